import type { Tx } from '../db/database.js';
import { sqlState } from '../db/database.js';
import { FhirError } from '../core/errors.js';
import { compileViewDefinition, TENANT_AND_SHARED_SOURCE } from './compile-view.js';
import { viewRuntimeErrorMessage } from './errors.js';
import { parseViewDefinition } from './view-definition.js';
import { VIEW_DEFINITION } from './stored-types.js';

/*
 * Cross-tenant views in schema fhir_analytics, made from ViewDefinitions, through the
 * fhir_admin.*_analytics_view SQL functions (sql/0007_analytics.sql) that operators call from
 * psql too. The SQL is the compiler's, over every tenant (leading tenant_id; shared resources of
 * shareable types come out with tenant_id ''). Run as fhir_admin (withAdmin).
 */

export const VIEW_NAME = /^[a-z][a-z0-9_]{0,62}$/;

export interface AnalyticsView {
  [column: string]: unknown;
  name: string;
  materialized: boolean;
  populated: boolean;
  description: string | null;
}

export interface TenantUsage {
  [column: string]: unknown;
  id: string;
  name: string;
  status: string;
  resources: number;
  totalRows: number;
  totalBytes: number;
}

/**
 * The compiled SELECT over every tenant (and the shared set for shareable types); columns declared
 * without a type get their R4 element's SQL type, so `where gender = 'female'` works in psql.
 */
export function crossTenantSql(view: unknown, sharedTypes: ReadonlySet<string>): string {
  const type = parseViewDefinition(view).resource;
  return compileViewDefinition(view, { from: sharedTypes.has(type) ? TENANT_AND_SHARED_SOURCE : 'resource', typeByModel: true }).sql;
}

/** A ViewDefinition of the shared set (fhir_admin reads it), or undefined. */
export async function sharedViewDefinition(tx: Tx, id: string): Promise<unknown> {
  const [row] = await tx.query<{ body: string }>(
    'select resource::text as body from shared_resource where resource_type = $1 and id = $2 and not deleted',
    [VIEW_DEFINITION, id],
  );
  return row === undefined ? undefined : JSON.parse(row.body);
}

function viewError(err: unknown): never {
  const runtime = viewRuntimeErrorMessage(err);
  if (runtime !== undefined) throw FhirError.unprocessable(`The view failed on the stored data: ${runtime}`);
  const state = sqlState(err);
  if (state?.startsWith('22') && err instanceof Error) throw FhirError.unprocessable(`The view failed on the stored data: ${err.message.slice(0, 200)}`);
  throw err;
}

export async function createAnalyticsView(
  tx: Tx, name: string, sql: string, materialized: boolean, description: string | null,
): Promise<AnalyticsView> {
  try {
    const [view] = await tx.query<AnalyticsView>('select * from fhir_admin.create_analytics_view($1, $2, $3, $4)', [name, sql, materialized, description]);
    if (view === undefined) throw new Error('create_analytics_view returned no row');
    return view;
  } catch (err) {
    return viewError(err);
  }
}

export function listAnalyticsViews(tx: Tx): Promise<AnalyticsView[]> {
  return tx.query<AnalyticsView>('select * from fhir_admin.list_analytics_views()');
}

/** False when there is no materialized view of that name. */
export async function refreshAnalyticsView(tx: Tx, name: string): Promise<boolean> {
  try {
    const [row] = await tx.query<{ ok: boolean }>('select fhir_admin.refresh_analytics_view($1) as ok', [name]);
    return row?.ok === true;
  } catch (err) {
    return viewError(err);
  }
}

export async function dropAnalyticsView(tx: Tx, name: string): Promise<boolean> {
  const [row] = await tx.query<{ ok: boolean }>('select fhir_admin.drop_analytics_view($1) as ok', [name]);
  return row?.ok === true;
}

export async function tenantUsage(tx: Tx): Promise<TenantUsage[]> {
  const rows = await tx.query<{ id: string; name: string; status: string; resources: unknown; total_rows: unknown; total_bytes: unknown }>(
    'select * from fhir_admin.list_tenant_usage()',
  );
  return rows.map((r) => ({
    id: r.id, name: r.name, status: r.status,
    resources: Number(r.resources), totalRows: Number(r.total_rows), totalBytes: Number(r.total_bytes),
  }));
}
