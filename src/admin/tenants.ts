import type { Tx } from '../db/database.js';
import { sqlState } from '../db/database.js';
import { FhirError } from '../core/errors.js';

/** A tenant as the admin API shows it. */
export interface Tenant {
  id: string;
  name: string;
  status: 'active' | 'suspended';
  config: Record<string, unknown>;
  createdAt: string;
}

interface TenantRow {
  [column: string]: unknown;
  id: string;
  name: string;
  status: Tenant['status'];
  config: Record<string, unknown>;
  created_at: string;
}

// Every call goes through the fhir_admin.* SQL functions, the same ones operators use in psql.
const COLUMNS = `id, name, status, config, to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as created_at`;

const toTenant = (r: TenantRow): Tenant => ({ id: r.id, name: r.name, status: r.status, config: r.config, createdAt: r.created_at });

async function call(tx: Tx, text: string, params: unknown[]): Promise<Tenant[]> {
  try {
    return (await tx.query<TenantRow>(text, params)).map(toTenant);
  } catch (err) {
    const state = sqlState(err);
    if (state === '23505') throw FhirError.conflict(`Tenant "${String(params[0])}" already exists`);
    if (state === '23514') throw FhirError.badRequest('Tenant id or status is not valid');
    throw err;
  }
}

export async function createTenant(tx: Tx, id: string, name: string, config: Record<string, unknown>): Promise<Tenant> {
  const [t] = await call(tx, `select ${COLUMNS} from fhir_admin.create_tenant($1, $2, $3::text::jsonb)`, [id, name, JSON.stringify(config)]);
  if (!t) throw new Error('create_tenant returned no row');
  return t;
}

export function listTenants(tx: Tx): Promise<Tenant[]> {
  return call(tx, `select ${COLUMNS} from fhir_admin.list_tenants()`, []);
}

export async function getTenant(tx: Tx, id: string): Promise<Tenant | undefined> {
  return (await call(tx, `select ${COLUMNS} from fhir_admin.get_tenant($1)`, [id]))[0];
}

export async function updateTenant(
  tx: Tx,
  id: string,
  change: { name?: string; status?: Tenant['status']; config?: Record<string, unknown> },
): Promise<Tenant | undefined> {
  const config = change.config === undefined ? null : JSON.stringify(change.config);
  const rows = await call(tx, `select ${COLUMNS} from fhir_admin.update_tenant($1, $2, $3, $4::text::jsonb)`, [
    id, change.name ?? null, change.status ?? null, config,
  ]);
  return rows[0];
}

/** Deletes every row of the tenant in every tenant table; undefined when there was no such tenant. */
export async function purgeTenant(tx: Tx, id: string): Promise<Record<string, number> | undefined> {
  const rows = await tx.query<{ table_name: string; rows_deleted: string | number }>(
    'select table_name, rows_deleted from fhir_admin.purge_tenant($1)', [id],
  );
  if (rows.length === 0) return undefined;
  return Object.fromEntries(rows.map((r) => [r.table_name, Number(r.rows_deleted)]));
}
