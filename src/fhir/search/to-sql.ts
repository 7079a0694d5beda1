import { join, raw, sql, type Fragment } from '../../db/sql.js';
import { dateCondition, or, valuesCondition } from './conditions.js';
import { SHARED_SET, type IndexKind, type SetSql } from './index-sets.js';
import type { Clause, SearchRequest, SortKey } from './request.js';

/*
 * Search SQL from a parsed request, by pure functions (DESIGN.md §4): table and column names
 * come only from the parameter registry and this file; every value is a bound parameter.
 * Each clause is an EXISTS on a typed index table whose index leads with tenant_id.
 */

export interface SearchScope {
  /** The caller's set: a tenant's, or the shared one on the shared base. */
  own: SetSql;
  /** Whether a type's shared resources are visible to the caller too. */
  shareable(type: string): boolean;
}

/** What a clause is about: a resource row of `set`, given by SQL expressions for its type and id. */
interface Subject {
  set: SetSql;
  type: Fragment;
  id: Fragment;
  /** Alias of the subject's own resource row, when the subject is the searched row itself. */
  row?: string;
}

class Aliases {
  private n = 0;
  next(): string {
    return `i${++this.n}`;
  }
}

/** The sets a resource of `type` can be read from, by a reference held in `from`. */
function targetSets(scope: SearchScope, from: SetSql, type: string): SetSql[] {
  if (from.name === 'shared') return [SHARED_SET];
  return scope.shareable(type) ? [from, SHARED_SET] : [from];
}

function indexExists(s: Subject, kind: IndexKind, code: string, a: string, condition: Fragment | undefined): Fragment {
  const extra = condition === undefined ? raw('') : sql` and (${condition})`;
  return sql`exists (select 1 from ${s.set.index(kind)} ${raw(a)} where ${s.set.key(a)}${raw(a)}.resource_type = ${s.type}
    and ${raw(a)}.id = ${s.id} and ${raw(a)}.code = ${code}${extra})`;
}

export function clauseSql(c: Clause, s: Subject, scope: SearchScope, aliases: Aliases): Fragment {
  switch (c.kind) {
    case 'id':
      return sql`${s.id} = any(${c.ids}::text[])`;
    case 'lastUpdated': {
      if (s.row !== undefined) {
        const at = raw(`${s.row}.last_updated`);
        return or(c.values.map((q) => dateCondition({ low: at, high: at }, q)));
      }
      const a = aliases.next();
      const at = raw(`${a}.last_updated`);
      return sql`exists (select 1 from ${s.set.current} ${raw(a)} where ${s.set.key(a)}${raw(a)}.resource_type = ${s.type}
        and ${raw(a)}.id = ${s.id} and ${or(c.values.map((q) => dateCondition({ low: at, high: at }, q)))})`;
    }
    case 'param': {
      const a = aliases.next();
      const exists = indexExists(s, c.def.type as IndexKind, c.def.code, a, valuesCondition(a, c.values));
      return c.negate ? sql`not ${exists}` : exists;
    }
    case 'missing': {
      const exists = indexExists(s, c.def.type as IndexKind, c.def.code, aliases.next(), undefined);
      return c.missing ? sql`not ${exists}` : exists;
    }
    case 'chain': {
      const a = aliases.next();
      const targets = c.targets.map(({ type, next }) => {
        const inner = targetSets(scope, s.set, type).map((set) =>
          clauseSql(next, { set, type: sql`${type}`, id: raw(`${a}.target_id`) }, scope, aliases));
        return sql`(${raw(a)}.target_type = ${type} and ${or(inner)})`;
      });
      return indexExists(s, 'reference', c.def.code, a, or(targets));
    }
    case 'has': {
      // Who may refer to the subject: resources of its own set; for a shared subject seen from a
      // tenant, the tenant's resources and shared ones.
      const sets = s.set.name === 'tenant' || scope.own.name === 'shared'
        ? [s.set]
        : scope.shareable(c.type) ? [scope.own, SHARED_SET] : [scope.own];
      return or(sets.map((set) => {
        const a = aliases.next();
        const inner = clauseSql(c.next, { set, type: sql`${c.type}`, id: raw(`${a}.id`) }, scope, aliases);
        return sql`exists (select 1 from ${set.index('reference')} ${raw(a)} where ${set.key(a)}${raw(a)}.target_type = ${s.type}
          and ${raw(a)}.target_id = ${s.id} and ${raw(a)}.resource_type = ${c.type} and ${raw(a)}.code = ${c.def.code} and ${inner})`;
      }));
    }
    case 'any': {
      const options = c.options.map((clauses) => (clauses.length ? sql`(${join(clauses.map((x) => clauseSql(x, s, scope, aliases)), ' and ')})` : raw('true')));
      return sql`(${s.type} <> ${c.type} or ${or(options)})`;
    }
    case 'compartment': {
      const a = aliases.next();
      return sql`exists (select 1 from ${s.set.index('reference')} ${raw(a)} where ${s.set.key(a)}${raw(a)}.resource_type = ${s.type}
        and ${raw(a)}.id = ${s.id} and ${raw(a)}.code = any(${c.codes}::text[])
        and ${raw(a)}.target_type = ${c.ownerType} and ${raw(a)}.target_id = ${c.ownerId})`;
    }
  }
}

const SORT_COLUMN: Partial<Record<IndexKind, [asc: string, desc: string]>> = {
  string: ['min(a.value)', 'max(a.value)'],
  token: ['min(a.value)', 'max(a.value)'],
  reference: ['min(a.target_id)', 'max(a.target_id)'],
  date: ['min(a.low)', 'max(a.high)'],
  number: ['min(a.value)', 'max(a.value)'],
  quantity: ['min(a.value)', 'max(a.value)'],
  uri: ['min(a.value)', 'max(a.value)'],
};

function sortColumn(k: SortKey, set: SetSql): Fragment {
  if (k.code === '_id') return raw('r.id');
  if (k.code === '_lastUpdated') return raw('r.last_updated');
  const kind = k.def!.type as IndexKind;
  const [asc, desc] = SORT_COLUMN[kind] ?? ['null', 'null'];
  return sql`(select ${raw(k.descending ? desc : asc)} from ${set.index(kind)} a
    where ${set.key('a')}a.resource_type = r.resource_type and a.id = r.id and a.code = ${k.code})`;
}

const COLUMNS = raw(`r.resource_type, r.id, r.version_id, r.deleted, r.last_updated as updated_at,
  to_char(r.last_updated at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as last_updated, r.resource::text as body`);

/** One SELECT per set the search reads: the caller's own, plus the shared one for shareable types. */
function branches(req: SearchRequest, scope: SearchScope, withColumns: boolean): Fragment[] {
  const sets: [SetSql, string[]][] = [[scope.own, req.types]];
  if (scope.own.name === 'tenant') {
    const shared = req.types.filter((t) => scope.shareable(t));
    if (shared.length) sets.push([SHARED_SET, shared]);
  }
  return sets.map(([set, types]) => {
    const aliases = new Aliases();
    const single = types.length === 1;
    const subject: Subject = { set, type: single ? sql`${types[0]}` : raw('r.resource_type'), id: raw('r.id'), row: 'r' };
    const where = [
      single ? sql`r.resource_type = ${types[0]}` : sql`r.resource_type = any(${types}::text[])`,
      raw('not r.deleted'),
      ...req.clauses.map((c) => clauseSql(c, subject, scope, aliases)),
    ];
    const select = withColumns
      ? sql`${COLUMNS}, ${raw(`'${set.name}'`)} as table_set${join(req.sort.map((k, i) => sql`, ${sortColumn(k, set)} as s${raw(String(i))}`), '')}`
      : raw('1');
    return sql`select ${select} from ${set.current} r where ${set.key('r')}${join(where, ' and ')}`;
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
