import { join, raw, sql, type Fragment } from '../../db/sql.js';
import { extractIndexRows } from '../indexing/extract.js';
import type { IndexRows } from '../indexing/index-rows.js';
import type { JsonObject } from '../../core/json.js';
import type { TableSet } from '../../db/table-set.js';
import type { ParamSet } from '../custom-params/param-set.js';
import { CANONICAL_QUANTITY_COLUMNS } from '../terminology/ucum-index.js';

/** One resource whose index rows are replaced: `rows` null when it was deleted (rows only go). */
export interface IndexItem {
  type: string;
  id: string;
  rows: IndexRows | null;
  /** Just created with a fresh id: it has no rows to delete. */
  fresh?: boolean;
}

// _id and _lastUpdated are answered from the resource table itself; no rows needed.
const FROM_RESOURCE_TABLE = new Set(['_id', '_lastUpdated']);

/** `params`: the scope's parameters (its stored SearchParameters too); the R4 ones without it. */
export function indexRowsOf(resource: JsonObject, params?: ParamSet): IndexRows {
  const typed = resource as JsonObject & { resourceType: string };
  return extractIndexRows(typed, params === undefined ? {} : { plans: params.plans(typed.resourceType) });
}

type Column = [name: string, cast: string, value: (row: never) => unknown];

/** Columns of each index table after (tenant_id,) resource_type, id, code. */
const COLUMNS: Record<keyof IndexRows, Column[]> = {
  string: [['value', 'text', (r: { value: string }) => r.value], ['exact', 'text', (r: { exact: string }) => r.exact]],
  token: [
    ['system', 'text', (r: { system: string | null }) => r.system], ['value', 'text', (r: { value: string | null }) => r.value],
    ['display', 'text', (r: { display: string | null }) => r.display], ['type_system', 'text', (r: { typeSystem: string | null }) => r.typeSystem],
    ['type_code', 'text', (r: { typeCode: string | null }) => r.typeCode],
  ],
  reference: [
    ['target_type', 'text', (r: { targetType: string | null }) => r.targetType], ['target_id', 'text', (r: { targetId: string | null }) => r.targetId],
    ['url', 'text', (r: { url: string | null }) => r.url], ['identifier_system', 'text', (r: { identifierSystem: string | null }) => r.identifierSystem],
    ['identifier_value', 'text', (r: { identifierValue: string | null }) => r.identifierValue],
  ],
  date: [['low', 'timestamptz', (r: { low: string }) => r.low], ['high', 'timestamptz', (r: { high: string }) => r.high]],
  number: [['value', 'float8', (r: { value: number }) => r.value], ['low', 'float8', (r: { low: number }) => r.low], ['high', 'float8', (r: { high: number }) => r.high]],
  quantity: [
    ['value', 'float8', (r: { value: number | null }) => r.value], ['low', 'float8', (r: { low: number | null }) => r.low],
    ['high', 'float8', (r: { high: number | null }) => r.high], ['system', 'text', (r: { system: string | null }) => r.system],
    ['unit', 'text', (r: { unit: string | null }) => r.unit],
    ...CANONICAL_QUANTITY_COLUMNS,
  ],
  uri: [['value', 'text', (r: { value: string }) => r.value]],
  composite: [
    ['c1_system', 'text', (r: { components: { system?: string | null }[] }) => r.components[0]?.system ?? null],
    ['c1_value', 'text', (r: { components: { value?: unknown; targetType?: string | null; targetId?: string | null }[] }) => {
      const c = r.components[0];
      if (c?.targetType && c.targetId) return `${c.targetType}/${c.targetId}`;
      return typeof c?.value === 'string' ? c.value : null;
    }],
    ['components', 'jsonb', (r: { components: unknown }) => JSON.stringify(r.components)],
  ],
};

const KINDS = Object.keys(COLUMNS) as (keyof IndexRows)[];


/**
 * The CTEs that replace the index rows of every item: a delete per index table (not for fresh
 * items: they have no rows), then a multi-row insert per table from unnest()ed arrays.
 * Data-modifying CTEs share one snapshot, so the deletes never see the new rows; the write of
 * the resources and of their index is one round trip, however many rows (see write.ts).
 */
export function indexCtes(own: TableSet, items: IndexItem[]): Fragment[] {
  const old = items.filter((i) => !i.fresh);
  const types = old.map((i) => i.type);
  const ids = old.map((i) => i.id);
  // The rows to delete found by one index lookup per resource (LATERAL, OFFSET 0 keeps it a
  // nested loop), then deleted by ctid. The explicit tenant key on the delete itself matters: the
  // planner estimates the RLS predicate alone with the current tenant's statistics (it folds
  // current_setting), which for a tenant grown since the last ANALYZE is about one row, and then
  // prefers a scan of the whole tenant to the TID scan. Against the key, a generic plan (write
  // transactions use them, sql/0013) estimates an average tenant. The type is compared in a form
  // no index serves (`is true`), so the lookup goes by the (tenant, id) index: with the type as an
  // index condition and no column statistics (sql/0017), every index leading with (tenant, type)
  // estimates one row, and the smallest won, a value index (search_composite_c1_idx) that
  // filtered thousands of rows per resource (measured: 9.5 s for 1,000 updated Observations).
  const ctes: Fragment[] = old.length === 0 ? [] : KINDS.map((kind) =>
    sql`${raw(`d_${kind}`)} as (delete from ${own.index(kind)} where ${own.key()}ctid = any(array(
      select x.ctid from unnest(${types}::text[], ${ids}::text[]) as k(t, i)
      cross join lateral (select s.ctid from ${own.index(kind)} s where ${own.key()}s.id = k.i and (s.resource_type = k.t) is true offset 0) x)))`);
  for (const kind of KINDS) {
    const rowType: string[] = [];
    const rowId: string[] = [];
    const rowCode: string[] = [];
    const values: unknown[][] = COLUMNS[kind].map(() => []);
    for (const item of items) {
      for (const row of item.rows?.[kind] ?? []) {
        if (FROM_RESOURCE_TABLE.has(row.code)) continue;
        rowType.push(item.type);
        rowId.push(item.id);
        rowCode.push(row.code);
        COLUMNS[kind].forEach(([, , get], i) => values[i]!.push(get(row as never)));
      }
    }
    if (rowCode.length === 0) continue;
    const names = COLUMNS[kind].map(([name]) => name).join(', ');
    // jsonb and timestamptz go in as text[] and are cast per element: postgres.js would JSON-encode
    // a jsonb[] again, and sends timestamps through Date, which cannot hold 'infinity'.
    const viaText = (cast: string) => cast === 'jsonb' || cast === 'timestamptz';
    const arrays = COLUMNS[kind].map(([, cast], i) => sql`${values[i]}::${raw(viaText(cast) ? 'text' : cast)}[]`);
    const selected = COLUMNS[kind].map(([name, cast]) => raw(viaText(cast) ? `u.${name}::${cast}` : `u.${name}`));
    ctes.push(sql`${raw(`i_${kind}`)} as (insert into ${own.index(kind)} (${own.keyColumn}resource_type, id, code, ${raw(names)})
      select ${own.keyValue}u.resource_type, u.id, u.code, ${join(selected, ', ')}
      from unnest(${rowType}::text[], ${rowId}::text[], ${rowCode}::text[], ${join(arrays, ', ')})
        as u(resource_type, id, code, ${raw(names)}))`);
  }
  return ctes;
}

/** One statement that replaces the index rows of every item (reindex). */
export function replaceIndexSql(own: TableSet, items: IndexItem[]): Fragment {
  const ctes = indexCtes(own, items);
  if (ctes.length === 0) return sql`select 1`;
  return sql`with ${join(ctes, ',\n')} select 1`;
}
