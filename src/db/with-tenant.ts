import type { Database, Tx } from './database.js';
import { FhirError } from '../fhir/errors.js';

/** The registry row of the tenant a transaction runs for. */
export interface TenantRecord {
  [column: string]: unknown;
  id: string;
  name: string;
  status: 'active' | 'suspended';
  config: Record<string, unknown>;
}

/*
 * The only doors to the data (DESIGN.md §1). Each opens one transaction whose first statement sets
 * the role and the tenant, both transaction-local and bound as parameters, so a pooled connection
 * (postgres.js or PgBouncer in transaction mode) never carries them into another request, and
 * isolation holds even when the server was handed a superuser URL.
 */
const ENTER = "select set_config('role', $1, true), set_config('app.tenant_id', $2, true), set_config('statement_timeout', $3, true)";

function enter(tx: Tx, db: Database, role: string, tenant: string) {
  return tx.query(ENTER, [role, tenant, String(db.statementTimeoutMs)]);
}

/** 404 for an unknown tenant (no registry row visible), 403 when it is suspended. */
export function assertActive(tenantId: string, status: string | undefined): void {
  if (status === undefined) throw FhirError.notFound(`Unknown tenant "${tenantId}"`);
  if (status !== 'active') throw FhirError.forbidden(`Tenant "${tenantId}" is suspended`);
}

/** Runs fn in the tenant's transaction as fhir_app; 404 for an unknown tenant, 403 when suspended. */
export function withTenant<T>(db: Database, tenantId: string, fn: (tx: Tx, tenant: TenantRecord) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    // Role, tenant, timeout and plan cache mode set, then the registry row read as fhir_app (RLS
    // shows it only its own tenant's row): one round trip (sql/0011, sql/0013). Generic plans:
    // made once per prepared statement and connection, and the same whichever tenant asks, so a
    // tenant's plans neither depend on its size in the last ANALYZE nor flip as neighbours grow.
    const [tenant] = await tx.query<TenantRecord>('select * from fhir_private.enter_tenant($1, $2, $3)', [
      tenantId, String(db.statementTimeoutMs), 'force_generic_plan',
    ]);
    assertActive(tenantId, tenant?.status);
    return fn(tx, tenant!);
  });
}

/**
 * A tenant's data for the operator (export): as fhir_app with the tenant set, like any request,
 * but whatever the tenant's status, so a suspended tenant can still be exported before a purge.
 */
export function withTenantData<T>(db: Database, tenantId: string, fn: (tx: Tx) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    await enter(tx, db, 'fhir_app', tenantId);
    return fn(tx);
  });
}

/**
 * The shared table set: read as fhir_app (which may only read it), written as fhir_admin (the
 * one role granted writes on it). No tenant is set, so no tenant row is visible either way.
 */
export function withShared<T>(db: Database, access: 'read' | 'write', fn: (tx: Tx) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    await enter(tx, db, access === 'write' ? 'fhir_admin' : 'fhir_app', '');
    return fn(tx);
  });
}

/** Tenant lifecycle: runs as fhir_admin, which may only call the fhir_admin.* functions. */
export function withAdmin<T>(db: Database, fn: (tx: Tx) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    await enter(tx, db, 'fhir_admin', '');
    return fn(tx);
  });
}
