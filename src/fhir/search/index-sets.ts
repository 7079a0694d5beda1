import { raw, sql, type Fragment } from '../../db/sql.js';

export type IndexKind = 'string' | 'token' | 'reference' | 'date' | 'number' | 'quantity' | 'uri' | 'composite';

/**
 * The tables of one table set as the search SQL sees them. `key(alias)` is the explicit
 * `alias.tenant_id = $t and ` that lets the planner use the tenant-leading indexes even though
 * RLS would filter anyway; the shared set has no key.
 */
export interface SetSql {
  readonly name: 'tenant' | 'shared';
  readonly current: Fragment;
  index(kind: IndexKind): Fragment;
  key(alias: string): Fragment;
}

export function tenantSet(tenantId: string): SetSql {
  return {
    name: 'tenant',
    current: raw('resource'),
    index: (kind) => raw(`search_${kind}`),
    key: (alias) => sql`${raw(alias)}.tenant_id = ${tenantId} and `,
  };
}

export const SHARED_SET: SetSql = {
  name: 'shared',
  current: raw('shared_resource'),
  index: (kind) => raw(`shared_search_${kind}`),
  key: () => raw(''),
};
