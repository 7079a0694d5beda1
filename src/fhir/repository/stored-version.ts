import { raw } from '../../db/sql.js';
import type { TableSet } from '../../db/table-set.js';

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
