import { raw, sql, type Fragment } from './sql.js';

/** The search index tables, one per parameter type with rows (src/db/schema/search.ts). */
export type IndexKind = 'string' | 'token' | 'reference' | 'date' | 'number' | 'quantity' | 'uri' | 'composite';

/**
 * One table set as SQL sees it: the tenant's or the shared one (docs/architecture.md §2), for the
 * repository's reads and writes and for the search SQL alike.
 *
 * `key()` is the explicit `tenant_id = $n and ` (qualified by `alias` when given) that lets the
 * planner pick the tenant-leading indexes even though RLS filters the rows anyway (docs/architecture.md
 * §2); the shared set has no tenant column, so its key, key column and key value are empty.
 */
export interface TableSet {
  readonly name: 'tenant' | 'shared';
  readonly current: Fragment;
  readonly history: Fragment;
  index(kind: IndexKind): Fragment;
  key(alias?: string): Fragment;
  /** Leading column list and values for inserts. */
  readonly keyColumn: Fragment;
  readonly keyValue: Fragment;
  /** Primary key columns for ON CONFLICT. */
  readonly pk: Fragment;
}

export function tenantTables(tenantId: string): TableSet {
  return {
    name: 'tenant',
    current: raw('resource'),
    history: raw('resource_history'),
    index: (kind) => raw(`search_${kind}`),
    key: (alias) => (alias === undefined ? sql`tenant_id = ${tenantId} and ` : sql`${raw(alias)}.tenant_id = ${tenantId} and `),
    keyColumn: raw('tenant_id, '),
    keyValue: sql`${tenantId}, `,
    pk: raw('tenant_id, resource_type, id'),
  };
}

export const SHARED_TABLES: TableSet = {
  name: 'shared',
  current: raw('shared_resource'),
  history: raw('shared_resource_history'),
  index: (kind) => raw(`shared_search_${kind}`),
  key: () => raw(''),
  keyColumn: raw(''),
  keyValue: raw(''),
  pk: raw('resource_type, id'),
};
