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

/** One SELECT per set the search reads: the caller's own, plus the shared one for shareable types. */
function branches(req: SearchRequest, scope: SearchScope, withColumns: boolean): Fragment[] {
  const sets: [TableSet, string[]][] = [[scope.own, req.types]];
  if (scope.own.name === 'tenant') {
    const shared = req.types.filter((t) => scope.shareable(t));
    if (shared.length) sets.push([SHARED_TABLES, shared]);
  }
  const d = pickDriver(req.clauses);
  return sets.map(([set, types]) => {
    const aliases = new Aliases();
    const single = types.length === 1;
    const subject: Subject = { set, type: single ? sql`${types[0]}` : raw('r.resource_type'), id: raw('r.id'), row: 'r' };
    const driver = d < 0 ? null : driverSql(req.clauses[d]!, set, types, scope, aliases);
    const from = driver === null
      ? sql`${set.current} r where ${set.key('r')}${single ? sql`r.resource_type = ${types[0]}` : sql`r.resource_type = any(${types}::text[])`} and`
      : sql`${distinctOf(driver)} m cross join lateral (select * from ${set.current} x where ${set.key('x')}x.id = m.i offset 0) r
          where r.resource_type = m.t and`;
    const snapshot = req.page?.snapshot;
    const where = [
      raw('not r.deleted'),
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
 */
export function searchPageSql(req: SearchRequest, scope: SearchScope): Fragment {
  const keys = orderKeys(req);
  const back = req.page?.dir === 'before';
  const order = [
    ...keys.map((k, i) => raw(`s${i} ${k.descending !== back ? 'desc' : 'asc'} nulls ${back ? 'first' : 'last'}`)),
    raw(`resource_type ${back ? 'desc' : 'asc'}`),
    raw(`id ${back ? 'desc' : 'asc'}`),
  ];
  const texts = keys.map((_, i) => raw(`, s${i}::text as k${i}`));
  const where = req.page === undefined ? raw('') : sql` where ${keysetAfter(keys, req.page, back)}`;
  return sql`select *${join(texts, '')} from (${join(branches(req, scope, true), ' union all ')}) v${where}
    order by ${join(order, ', ')} limit ${req.count + 1}`;
}

/**
 * Rows strictly after the cursor's row in the order (reversed: before it), nested so its size is
 * linear in the keys: k0 after c0, or k0 = c0 and (k1 after c1, or ...), (resource_type, id) last.
 * Nulls sort last (first when reversed), as the ORDER BY says.
 */
function keysetAfter(keys: SortKey[], page: PageCursor, back: boolean): Fragment {
  let rest = sql`(resource_type, id) ${raw(back ? '<' : '>')} (${page.type}, ${page.id})`;
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
