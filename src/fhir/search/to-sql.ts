import { join, raw, sql, type Fragment } from '../../db/sql.js';
import { distinctOf, driverSql, pickDriver } from './driver-sql.js';
import { Aliases, filterSql, rowsOf, type SearchScope, type Subject } from './filter-sql.js';
import { SHARED_TABLES, type IndexKind, type TableSet } from '../../db/table-set.js';
import type { Clause, SearchRequest, SortKey } from './query.js';

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

function sortColumn(k: SortKey, s: Subject): Fragment {
  if (k.code === '_id') return raw('r.id');
  if (k.code === '_lastUpdated') return raw('r.last_updated');
  const kind = k.def!.type as IndexKind;
  const [asc, desc] = SORT_COLUMN[kind] ?? ['null', 'null'];
  return sql`(select ${raw(k.descending ? desc : asc)} from ${rowsOf(s, s.set.index(kind), 'a')} a.code = ${k.code})`;
}

const COLUMNS = raw(`r.resource_type, r.id, r.version_id, r.deleted, r.last_updated as updated_at,
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
    const where = [
      raw('not r.deleted'),
      ...req.clauses.filter((_, i) => driver === null || i !== d).map((c) => filterSql(c, subject, scope, aliases)),
    ];
    const select = withColumns
      ? sql`${COLUMNS}, ${raw(`'${set.name}'`)} as table_set${join(req.sort.map((k, i) => sql`, ${sortColumn(k, subject)} as s${raw(String(i))}`), '')}`
      : raw('1');
    return sql`select ${select} from ${from} ${join(where, ' and ')}`;
  });
}

/** The page: count + 1 rows (so the caller knows whether there is a next page) from offset. */
export function searchPageSql(req: SearchRequest, scope: SearchScope): Fragment {
  const order = [
    ...req.sort.map((k, i) => raw(`s${i} ${k.descending ? 'desc' : 'asc'} nulls last`)),
    ...(req.sort.length ? [] : [raw('updated_at desc')]),
    raw('resource_type'),
    raw('id'),
  ];
  return sql`select * from (${join(branches(req, scope, true), ' union all ')}) v
    order by ${join(order, ', ')} limit ${req.count + 1} offset ${req.offset}`;
}

export function searchCountSql(req: SearchRequest, scope: SearchScope): Fragment {
  return sql`select count(*)::int as total from (${join(branches(req, scope, false), ' union all ')}) v`;
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
