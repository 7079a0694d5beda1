import type { Database, Tx } from '../../db/database.js';
import { run, sql } from '../../db/sql.js';
import { withShared, withTenant } from '../../db/doors.js';
import type { JsonObject } from '../../core/json.js';
import { indexRowsOf, replaceIndexSql } from './index-writer.js';
import { SHARED_TABLES, tenantTables, type TableSet } from '../../db/table-set.js';

const BATCH = 500;

/**
 * Rebuilds the search index rows of one table set from the stored resources (after a change of
 * the SearchParameter definitions or the extractor). One transaction per batch of resources, in
 * key order, so a large tenant neither holds one long transaction nor blocks its writers for long.
 */
type Open = (fn: (tx: Tx) => Promise<number>) => Promise<number>;

async function reindexSet(open: Open, own: TableSet): Promise<number> {
  let after: [string, string] = ['', ''];
  let total = 0;
  for (;;) {
    const count = await open(async (tx) => {
      const rows = await run<{ resource_type: string; id: string; deleted: boolean; resource: JsonObject | null }>(
        tx,
        sql`select resource_type, id, deleted, resource from ${own.current}
            where ${own.key()}(resource_type, id) > (${after[0]}, ${after[1]})
            order by resource_type, id limit ${BATCH}`,
      );
      if (rows.length === 0) return 0;
      await run(tx, replaceIndexSql(own, rows.map((r) => ({
        type: r.resource_type,
        id: r.id,
        rows: r.deleted || r.resource === null ? null : indexRowsOf(r.resource),
      }))));
      const last = rows[rows.length - 1]!;
      after = [last.resource_type, last.id];
      return rows.length;
    });
    total += count;
    if (count < BATCH) return total;
  }
}

/** A suspended tenant is not reindexed (its data is frozen until it is resumed); the error is what the queue records. */
export function reindexTenant(db: Database, tenantId: string): Promise<number> {
  return reindexSet((fn) => withTenant(db, tenantId, (tx, tenant) => {
    if (tenant === undefined) throw new Error(`Unknown tenant "${tenantId}"`);
    if (tenant.status !== 'active') throw new Error(`Tenant "${tenantId}" is suspended`);
    return fn(tx);
  }), tenantTables(tenantId));
}

export function reindexShared(db: Database): Promise<number> {
  return reindexSet((fn) => withShared(db, 'write', fn), SHARED_TABLES);
}
