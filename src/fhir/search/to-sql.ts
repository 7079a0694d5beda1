import { join, raw, sql, type Fragment } from '../../db/sql.js';
import { distinctOf, driverSql, pickDriver } from './driver-sql.js';
import { Aliases, filterSql, rowsOf, type SearchScope, type Subject } from './filter-sql.js';
import { SHARED_TABLES, type IndexKind, type TableSet } from '../../db/table-set.js';
import type { Clause, SearchRequest, SortKey } from './query.js';
import type { PageCursor } from './cursor.js';

/*
 * Search SQL from a parsed request, by pure functions: table and column names
 * come only from the parameter registry and these files; every value is a bound parameter.
 *
 * Plans must not depend on statistics: every statement runs as a generic
 * plan, and a new tenant's tables may never have been analyzed. So the SQL leaves the planner no
 * join order to get wrong: the search starts from one clause's index (driver-sql.ts), looks each
 * candidate up by (tenant_id, id) (LATERAL, fenced by OFFSET 0), and checks the other clauses on the
 * candidate's own index rows (filter-sql.ts). With no clause that can start a search (none, or
 * only negations), it reads the type's rows newest first, as far as the page needs.
 */

export type { SearchScope } from './filter-sql.js';

const SORT_COLUMN: Partial<Record<IndexKind, [asc: string, desc: string]>> = {
  string: ['min(a.value)', 'max(a.value)'],
  token: ['min(a.value)', 'max(a.value)'],
  reference: ['min(a.target_id)', 'max(a.target_id)'],
  date: ['min(a.low)', 'max(a.high)'],
  number: ['min(a.value)', 'max(a.value)'],
  quantity: ['min(a.value)', 'max(a.value)'],
  uri: ['min(a.value)', 'max(a.value)'],
};

/** The search's order: its `_sort` keys, else newest first; (resource_type, id) break ties (paging.ts). */
export function orderKeys(req: SearchRequest): SortKey[] {
  return req.sort.length ? req.sort : [{ code: '_lastUpdated', descending: true }];
}

/**
 * Whether (resource_type, id) break ties descending: ordered by `_lastUpdated` alone, in its
 * direction, so the order is exactly the (tenant_id, resource_type, last_updated, id) index's, in
 * one direction or the other, and a page walks it from the cursor's row even when thousands of
 * rows share a time (a bundle or an import writes them all at once). Else ascending.
 */
const tiesDescending = (keys: SortKey[]): boolean => keys.length === 1 && keys[0]!.code === '_lastUpdated' && keys[0]!.descending;

/** SQL type of a sort key's values, to read a cursor's text back. */
function sortType(k: SortKey): string {
  if (k.code === '_lastUpdated') return 'timestamptz';
  if (k.code === '_id') return 'text';
  switch (k.def?.type) {
    case 'date': return 'timestamptz';
    case 'number': case 'quantity': return 'float8';
    default: return 'text';
  }
}

/**
 * The subject's current version as of the snapshot (the first page's time, taken before its
 * query): later pages order and count resources as they were then. A version written at or after
 * the snapshot (the same millisecond counts as after: writes that follow the first page may share
 * it) is replaced by the newest version before it from the history (by its primary key); none, or
 * a deletion: the resource did not exist then.
 */
function asOf(set: TableSet, snapshot: string, what: 'exists' | 'lastUpdated'): Fragment {
  const at = sql`${snapshot}::text::timestamptz`;
  const then = (column: string) => sql`(select ${raw(column)} from ${set.history} h where ${set.key('h')}h.resource_type = r.resource_type
    and h.id = r.id and h.last_updated < ${at} order by h.version_id desc limit 1)`;
  if (what === 'exists') return sql`(r.last_updated < ${at} or coalesce(${then('not h.deleted')}, false))`;
  return sql`(case when r.last_updated < ${at} then r.last_updated else ${then('h.last_updated')} end)`;
}

function sortColumn(k: SortKey, s: Subject, snapshot: string | undefined): Fragment {
  if (k.code === '_id') return raw('r.id');
  if (k.code === '_lastUpdated') return snapshot === undefined ? raw('r.last_updated') : asOf(s.set, snapshot, 'lastUpdated');
  const kind = k.def!.type as IndexKind;
  const [asc, desc] = SORT_COLUMN[kind] ?? ['null', 'null'];
  return sql`(select ${raw(k.descending ? desc : asc)} from ${rowsOf(s, s.set.index(kind), 'a')} a.code = ${k.code})`;
}

const COLUMNS = raw(`r.resource_type, r.id, r.version_id, r.deleted,
  to_char(r.last_updated at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as last_updated, r.resource::text as body`);

/**
 * Which rows of a paged search's snapshot a branch reads (the first page's time T0): `all` of
 * them, each as of T0 (asOf); or split at T0 so the order by `_lastUpdated` stays an index walk:
 * `before`, the rows unchanged since T0 (last_updated < T0, their current values are their values
 * then, no history read), and `since`, the rows changed since T0 (few), each as of T0.
 */
type Part = 'all' | 'before' | 'since';

/** One SELECT per set the search reads: the caller's own, plus the shared one for shareable types. */
function branches(req: SearchRequest, scope: SearchScope, withColumns: boolean, part: Part = 'all', perType = false): Fragment[] {
  const sets: [TableSet, string[]][] = [[scope.own, req.types]];
  if (scope.own.name === 'tenant') {
    const shared = req.types.filter((t) => scope.shareable(t));
    if (shared.length) sets.push([SHARED_TABLES, shared]);
  }
  const d = pickDriver(req.clauses);
  // Walks of the last_updated index (searchPageSql): one per type, as no index orders several
  // types' rows together by time.
  const each = perType && d < 0 ? sets.flatMap(([set, types]): [TableSet, string[]][] => types.map((t) => [set, [t]])) : sets;
  return each.map(([set, types]) => {
    const aliases = new Aliases();
    const single = types.length === 1;
    const subject: Subject = { set, type: single ? sql`${types[0]}` : raw('r.resource_type'), id: raw('r.id'), row: 'r' };
    const driver = d < 0 ? null : driverSql(req.clauses[d]!, set, types, scope, aliases);
    const ofType = (a: string) => (single ? sql`${raw(a)}.resource_type = ${types[0]}` : sql`${raw(a)}.resource_type = any(${types}::text[])`);
    const at = req.page?.snapshot;
    // The rows changed since the snapshot, from the (tenant_id, resource_type, last_updated) index
    // (fenced, in its order: no other index gives it), not by filtering the type's rows.
    const since = at !== undefined && part === 'since'
      ? sql`(select * from ${set.current} x where ${set.key('x')}${ofType('x')} and x.last_updated >= ${at}::text::timestamptz order by x.last_updated offset 0) r where`
      : undefined;
    const from = driver === null
      ? since ?? sql`${set.current} r where ${set.key('r')}${ofType('r')} and`
      : sql`${distinctOf(driver)} m cross join lateral (select * from ${set.current} x where ${set.key('x')}x.id = m.i offset 0) r
          where r.resource_type = m.t and`;
    const snapshot = part === 'before' ? undefined : at;
    const split = at === undefined || part === 'all' ? [] : [sql`r.last_updated ${raw(part === 'before' ? '<' : '>=')} ${at}::text::timestamptz`];
    const where = [
      raw('not r.deleted'),
      ...split,
      ...(snapshot === undefined ? [] : [asOf(set, snapshot, 'exists')]),
      ...req.clauses.filter((_, i) => driver === null || i !== d).map((c) => filterSql(c, subject, scope, aliases)),
    ];
    const select = withColumns
      ? sql`${COLUMNS}, ${raw(`'${set.name}'`)} as table_set${join(orderKeys(req).map((k, i) => sql`, ${sortColumn(k, subject, snapshot)} as s${raw(String(i))}`), '')}`
      : raw('1');
    return sql`select ${select} from ${from} ${join(where, ' and ')}`;
  });
}

/**
 * The page: count + 1 rows (so the caller knows whether there is another) after the cursor, or
 * before it (a previous link: the order reversed, the rows given back in the search's order by
 * the caller). Sort values are also selected as text (k0, k1, ...): the next cursor carries them.
 *
 * Ordered by `_lastUpdated` first (the default order), every page is bounded by its size, not by
 * the type's rows: each branch is its own ORDER BY ... LIMIT, an index walk of the tenant-leading
 * (tenant_id, resource_type, last_updated, id) index from the cursor on (the cursor's time as an
 * index bound); on later pages, over the rows unchanged since the first page only, and the rows
 * changed since (read from the same index, above the first page's time) are added as of then.
 */
export function searchPageSql(req: SearchRequest, scope: SearchScope): Fragment {
  const keys = orderKeys(req);
  const back = req.page?.dir === 'before';
  const order = orderBy(keys, back, 'nulls');
  const texts = keys.map((_, i) => raw(`, s${i}::text as k${i}`));
  const after = req.page === undefined ? undefined : keysetAfter(keys, req.page, back);
  const where = after === undefined ? raw('') : sql` where ${after}`;
  const limit = sql` limit ${req.count + 1}`;
  let parts = branches(req, scope, true);
  if (keys[0]?.code === '_lastUpdated') {
    const c0 = req.page?.keys[0];
    // Redundant with the keyset condition, but an index bound: the walk starts at the cursor's row
    // (of one type: its time and id, the index's next columns; else its time).
    const single = keys.length === 1 && req.types.length === 1;
    const cmp = raw(keys[0].descending !== back ? (single ? '<' : '<=') : (single ? '>' : '>='));
    const from = c0 === undefined || c0 === null ? raw('')
      : single ? sql` and (s0, id) ${cmp} (${c0}::text::timestamptz, ${req.page?.id ?? ''})` : sql` and s0 ${cmp} ${c0}::text::timestamptz`;
    const walk = (b: Fragment) => sql`(select * from (${b}) b${after === undefined ? raw('') : sql` where ${after}${from}`}
      order by ${join(orderBy(keys, back, 'index'), ', ')}${limit})`;
    parts = req.page === undefined
      ? branches(req, scope, true, 'all', true).map(walk)
      : [...branches(req, scope, true, 'before', true).map(walk), ...branches(req, scope, true, 'since')];
  }
  return sql`select *${join(texts, '')} from (${join(parts, ' union all ')}) v${where}
    order by ${join(order, ', ')}${limit}`;
}

/**
 * The search's ORDER BY (reversed for a previous page), (resource_type, id) breaking ties. Nulls
 * sort last (first when reversed); `index` leaves the first key's nulls to the direction's default,
 * which a btree index gives in either direction: for a walk over last_updated, never null.
 */
function orderBy(keys: SortKey[], back: boolean, nulls: 'nulls' | 'index'): Fragment[] {
  const placed = (i: number) => (nulls === 'index' && i === 0 ? '' : ` nulls ${back ? 'first' : 'last'}`);
  const tie = tiesDescending(keys) !== back ? 'desc' : 'asc';
  return [
    ...keys.map((k, i) => raw(`s${i} ${k.descending !== back ? 'desc' : 'asc'}${placed(i)}`)),
    raw(`resource_type ${tie}`),
    raw(`id ${tie}`),
  ];
}

/**
 * Rows strictly after the cursor's row in the order (reversed: before it), nested so its size is
 * linear in the keys: k0 after c0, or k0 = c0 and (k1 after c1, or ...), (resource_type, id) last
 * (in the direction tiesDescending says).
 * Nulls sort last (first when reversed), as the ORDER BY says.
 */
function keysetAfter(keys: SortKey[], page: PageCursor, back: boolean): Fragment {
  let rest = sql`(resource_type, id) ${raw(tiesDescending(keys) !== back ? '<' : '>')} (${page.type}, ${page.id})`;
  for (let i = keys.length - 1; i >= 0; i--) {
    const k = keys[i]!;
    const column = raw(`s${i}`);
    const c = page.keys[i] ?? null;
    const value = sql`${c}::text::${raw(sortType(k))}`;
    const cmp = raw(k.descending !== back ? '<' : '>');
    const after = c === null
      ? (back ? sql`${column} is not null` : raw('false'))
      : (back ? sql`${column} ${cmp} ${value}` : sql`(${column} ${cmp} ${value} or ${column} is null)`);
    const same = c === null ? sql`${column} is null` : sql`${column} = ${value}`;
    rest = sql`(${after} or (${same} and ${rest}))`;
  }
  return rest;
}

/** How many rows match, counting at most `cap` + 1 of them (undefined: all). */
export function searchCountSql(req: SearchRequest, scope: SearchScope, cap?: number): Fragment {
  const limit = cap === undefined ? raw('') : sql` limit ${cap + 1}`;
  return sql`select count(*)::int as total from (select 1 from (${join(branches(req, scope, false), ' union all ')}) u${limit}) v`;
}

/**
 * Clauses as one condition on the row `alias` of `set`, a resource of `type`: what a search would
 * require of it. $run applies access-policy criteria with it (src/analytics/run-criteria.ts).
 */
export function rowCondition(clauses: readonly Clause[], type: string, set: TableSet, scope: SearchScope, alias: string): Fragment {
  const subject: Subject = { set, type: sql`${type}`, id: raw(`${alias}.id`), row: alias };
  const aliases = new Aliases();
  return join(clauses.map((c) => filterSql(c, subject, scope, aliases)), ' and ');
}
