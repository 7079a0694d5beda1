import type { Database, Tx } from '../../db/database.js';
import { run, sql } from '../../db/sql.js';
import { withShared, withTenant } from '../../db/doors.js';
import type { JsonObject } from '../../core/json.js';
import { indexRowsOf, replaceIndexSql } from './index-writer.js';
import { SHARED_TABLES, tenantTables, type TableSet } from '../../db/table-set.js';
import { sharedParamSet, tenantParamSet } from '../custom-params/load.js';
import type { ParamSet } from '../custom-params/param-set.js';

const BATCH = 500;

/** Where a reindex stands: the last (type, id) done, in key order. */
export type ReindexCursor = readonly [type: string, id: string];

export const REINDEX_START: ReindexCursor = ['', ''];

/**
 * Rebuilds the index rows of up to `limit` resources after `after` (key order), of `types` only
 * when given, with the scope's parameters (its stored SearchParameters too). One statement reads,
 * one writes: the caller's transaction holds them.
 */
export async function reindexBatch(
  tx: Tx, own: TableSet, params: ParamSet, after: ReindexCursor, limit: number, types?: readonly string[],
): Promise<{ count: number; last: ReindexCursor }> {
  const rows = await run<{ resource_type: string; id: string; deleted: boolean; resource: JsonObject | null }>(
    tx,
    sql`select resource_type, id, deleted, resource from ${own.current}
        where ${own.key()}(resource_type, id) > (${after[0]}, ${after[1]})
        ${types === undefined ? sql`` : sql`and resource_type = any(${[...types]}::text[])`}
        order by resource_type, id limit ${limit}`,
  );
  if (rows.length === 0) return { count: 0, last: after };
  await run(tx, replaceIndexSql(own, rows.map((r) => ({
    type: r.resource_type,
    id: r.id,
    rows: r.deleted || r.resource === null ? null : indexRowsOf(r.resource, params),
  }))));
  const last = rows[rows.length - 1]!;
  return { count: rows.length, last: [last.resource_type, last.id] };
}

/**
 * Rebuilds the search index rows of one table set from the stored resources (after a change of
 * the SearchParameter definitions or the extractor). One transaction per batch of resources, in
 * key order, so a large tenant neither holds one long transaction nor blocks its writers for long.
 */
type Open = (fn: (tx: Tx, params: ParamSet) => Promise<number>) => Promise<number>;

async function reindexSet(open: Open, own: TableSet): Promise<number> {
  let after: ReindexCursor = REINDEX_START;
  let total = 0;
  for (;;) {
    const count = await open(async (tx, params) => {
      const batch = await reindexBatch(tx, own, params, after, BATCH);
      after = batch.last;
      return batch.count;
    });
    total += count;
    if (count < BATCH) return total;
  }
}

/** A suspended tenant is not reindexed (its data is frozen until it is resumed); the error is what the queue records. */
export function reindexTenant(db: Database, tenantId: string): Promise<number> {
  return reindexSet((fn) => withTenant(db, tenantId, async (tx, tenant) => {
    if (tenant === undefined) throw new Error(`Unknown tenant "${tenantId}"`);
    if (tenant.status !== 'active') throw new Error(`Tenant "${tenantId}" is suspended`);
    return fn(tx, await tenantParamSet(tx, tenantId, tenant));
  }), tenantTables(tenantId));
}

export function reindexShared(db: Database): Promise<number> {
  return reindexSet((fn) => withShared(db, 'write', async (tx) => fn(tx, await sharedParamSet(tx))), SHARED_TABLES);
}
