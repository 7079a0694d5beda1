import type { Database, Tx } from './database.js';

/** The registry row of the tenant a transaction runs for. */
export interface TenantRecord {
  [column: string]: unknown;
  id: string;
  name: string;
  status: 'active' | 'suspended';
  config: Record<string, unknown>;
}

/** What a transaction may do (sql/0014): one tenant's data, the shared set, or administration. */
type ContextMode = 'tenant' | 'shared-read' | 'shared-write' | 'admin';

/*
 * The only doors to the data (docs/architecture.md). Each opens one transaction (or one
 * statement) whose first statement sets the role (fhir_app) and enters a context with the
 * server's context key (sql/0014): the tenant, a mode and a ticket that only
 * fhir_private.open_context can make and every policy verifies. All of it is transaction-local
 * and bound as parameters, so a pooled connection (postgres.js or PgBouncer in transaction mode)
 * never carries it into another request, isolation holds even when the server was handed a
 * superuser URL, and SQL without the key cannot enter another tenant.
 *
 * The doors return rows and leave every decision to their callers: a missing or suspended
 * tenant is a row (or its absence), which the FHIR session turns into 404 or 403.
 */
// search_path first, pg_temp last: nothing planted in pg_temp on a pooled connection can stand
// in for a table or type of ours (sql/0017).
const ENTER = "select set_config('search_path', 'public, pg_catalog, pg_temp', true), set_config('role', 'fhir_app', true), "
  + "fhir_private.open_context($1, $2, $3, $4), set_config('statement_timeout', $5, true)";

function enter(tx: Tx, db: Database, tenant: string, mode: ContextMode, actor: string | null = null) {
  return tx.query(ENTER, [db.contextKey, tenant, mode, actor, String(db.statementTimeoutMs)]);
}

/**
 * Runs fn in the tenant's transaction as fhir_app, with the tenant's registry row as RLS shows it
 * (undefined: no such tenant). Whether a suspended tenant may go on is the caller's decision.
 */
export function withTenant<T>(db: Database, tenantId: string, fn: (tx: Tx, tenant: TenantRecord | undefined) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    // Role, keyed tenant context, timeout and plan cache mode set, then the registry row read as
    // fhir_app (RLS shows it only its own tenant's row): one round trip (sql/0014). Generic plans:
    // made once per prepared statement and connection, and the same whichever tenant asks, so a
    // tenant's plans neither depend on its size in the last ANALYZE nor flip as neighbours grow.
    const [tenant] = await tx.query<TenantRecord>('select * from fhir_private.enter_tenant($1, $2, $3, $4)', [
      db.contextKey, tenantId, String(db.statementTimeoutMs), 'force_generic_plan',
    ]);
    return fn(tx, tenant);
  });
}

/** What the one-statement read returns: the tenant's row (status, config) and the version found. */
export interface ReadRow {
  [column: string]: unknown;
  /** Null when the tenant does not exist (or RLS hides it). */
  tenant_status: string | null;
  tenant_config: Record<string, unknown> | null;
  /** Which set holds the version; null when none does. */
  table_set: 'tenant' | 'shared' | null;
  version_id: number | null;
  deleted: boolean | null;
  last_updated: string | null;
  body: string | null;
}

/**
 * read and vread of one resource in one round trip (sql/0014, sql/0017): the function enters the
 * tenant like withTenant does (role, keyed context, timeout, all transaction-local in the
 * statement's own implicit transaction), then reads the tenant's row and the version, looking in
 * the shared set too when `shareable`.
 */
export async function readOneResource(
  db: Database,
  q: { tenantId: string; type: string; id: string; versionId: number | undefined; shareable: boolean },
): Promise<ReadRow | undefined> {
  const [row] = await db.statement<ReadRow>('select * from fhir_private.read_resource($1, $2, $3, $4, $5, $6, $7)', [
    db.contextKey, q.tenantId, q.type, q.id, q.versionId ?? null, q.shareable, String(db.statementTimeoutMs),
  ]);
  return row;
}

/**
 * A tenant's data for the operator (export): as fhir_app with the tenant set, like any request,
 * but whatever the tenant's status, so a suspended tenant can still be exported before a purge.
 */
export function withTenantData<T>(db: Database, tenantId: string, fn: (tx: Tx) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    await enter(tx, db, tenantId, 'tenant');
    return fn(tx);
  });
}

/**
 * The shared table set: read by anyone, written only in a shared-write context (its policies
 * check the ticket). No tenant is set, so no tenant row is visible either way.
 */
export function withShared<T>(db: Database, access: 'read' | 'write', fn: (tx: Tx) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    await enter(tx, db, '', access === 'write' ? 'shared-write' : 'shared-read');
    return fn(tx);
  });
}

/**
 * Tenant lifecycle and the other fhir_admin.* functions, in an admin context; `actor` is who the
 * functions record in the audit log (the admin API's client).
 */
export function withAdmin<T>(db: Database, fn: (tx: Tx) => Promise<T>, actor: string | null = null): Promise<T> {
  return db.transaction(async (tx) => {
    await enter(tx, db, '', 'admin', actor);
    return fn(tx);
  });
}

/**
 * A transaction as fhir_app in no context at all: it sees no tenant's rows and no shared ones,
 * and can do only what fhir_app may do without a context, i.e. call fhir_private.record_refusal
 * (sql/0016). The door of the refusal log.
 */
export function withoutContext<T>(db: Database, fn: (tx: Tx) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    await tx.query("select set_config('search_path', 'public, pg_catalog, pg_temp', true), set_config('role', 'fhir_app', true)");
    return fn(tx);
  });
}
