import { raw, sql, type Fragment } from '../../db/sql.js';

/**
 * One table set: the tenant's (every key leads with tenant_id, and queries say so explicitly so
 * the planner picks the tenant-leading indexes) or the shared one.
 */
export interface TableSet {
  readonly name: 'tenant' | 'shared';
  readonly current: Fragment;
  readonly history: Fragment;
  /** `tenant_id = $n and ` for the tenant set, nothing for the shared set. */
  readonly key: Fragment;
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
    key: sql`tenant_id = ${tenantId} and `,
    keyColumn: raw('tenant_id, '),
    keyValue: sql`${tenantId}, `,
    pk: raw('tenant_id, resource_type, id'),
  };
}

export const SHARED_TABLES: TableSet = {
  name: 'shared',
  current: raw('shared_resource'),
  history: raw('shared_resource_history'),
  key: raw(''),
  keyColumn: raw(''),
  keyValue: raw(''),
  pk: raw('resource_type, id'),
};

/** The columns every read selects; lastUpdated formatted exactly like Date.toISOString(). */
export const VERSION_COLUMNS = raw(
  `resource_type, id, version_id, deleted,
   to_char(last_updated at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as last_updated,
   resource::text as body`,
);

export interface VersionRow {
  [column: string]: unknown;
  resource_type: string;
  id: string;
  version_id: number;
  deleted: boolean;
  last_updated: string;
  body: string | null;
}

/** One stored version. `body` is the stored JSON text, passed to clients without re-parsing. */
export interface StoredVersion {
  resourceType: string;
  id: string;
  versionId: number;
  lastUpdated: string;
  deleted: boolean;
  body: string | null;
  set: 'tenant' | 'shared';
}

export function toVersion(row: VersionRow, set: TableSet['name']): StoredVersion {
  return {
    resourceType: row.resource_type,
    id: row.id,
    versionId: row.version_id,
    lastUpdated: row.last_updated,
    deleted: row.deleted,
    body: row.body,
    set,
  };
}
