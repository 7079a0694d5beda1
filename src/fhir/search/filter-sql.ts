import { join, raw, sql, type Fragment } from '../../db/sql.js';
import { dateCondition, or, valuesCondition } from './conditions.js';
import { SHARED_TABLES, type IndexKind, type TableSet } from '../../db/table-set.js';
import type { Clause } from './query.js';

/*
 * A clause as a check on one candidate resource (the "filter" form; driver-sql.ts has the other).
 * Every check reads the candidate's own rows of one index table by (tenant_id, id) alone, in a
 * subquery fenced by OFFSET 0, and compares type, code and values only outside the fence, where
 * nothing can be pushed in. Without statistics the planner takes every equality for 0.5% of the
 * rows, so below some 40,000 rows any index matching two of them looks like one row: told the
 * type and code too, it read the candidate's rows by (tenant_id, resource_type, code), that is
 * every row of the code, once per candidate (measured on a fresh database:
 * `_has:Observation:patient:code=` ran for minutes). The (tenant_id, id) indexes (sql/0015) are
 * the only ones whose leading columns match the fenced condition, so no estimate can pick another.
 */

export interface SearchScope {
  /** The caller's set: a tenant's, or the shared one on the shared base. */
  own: TableSet;
  /** Whether a type's shared resources are visible to the caller too. */
  shareable(type: string): boolean;
}

/** What a clause is about: a resource row of `set`, given by SQL expressions for its type and id. */
export interface Subject {
  set: TableSet;
  type: Fragment;
  id: Fragment;
  /** Alias of the subject's own resource row, when the subject is the searched row itself. */
  row?: string;
}

export class Aliases {
  private n = 0;
  next(): string {
    return `i${++this.n}`;
  }
}

/** The sets a resource of `type` can be read from, by a reference held in `from`. */
export function targetSets(scope: SearchScope, from: TableSet, type: string): TableSet[] {
  if (from.name === 'shared') return [SHARED_TABLES];
  return scope.shareable(type) ? [from, SHARED_TABLES] : [from];
}

/**
 * Who may refer to a subject of `set` (for `_has`): resources of its own set; for a shared
 * subject seen from a tenant, the tenant's resources and shared ones.
 */
export function sourceSets(scope: SearchScope, set: TableSet, sourceType: string): TableSet[] {
  if (set.name === 'tenant' || scope.own.name === 'shared') return [set];
  return scope.shareable(sourceType) ? [scope.own, SHARED_TABLES] : [scope.own];
}

/** The subject's rows of one index table (or its resource row), fenced: see the header. Ends in `where`. */
export function rowsOf(s: Subject, table: Fragment, a: string): Fragment {
  return sql`(select * from ${table} x where ${s.set.key('x')}x.id = ${s.id} offset 0) ${raw(a)} where ${raw(a)}.resource_type = ${s.type} and`;
}

/** Whether any of the subject's rows in `kind`'s table has `code` and meets `condition`. */
function hasRow(s: Subject, kind: IndexKind, code: string, a: string, condition: Fragment | undefined): Fragment {
  const extra = condition === undefined ? raw('') : sql` and (${condition})`;
  return sql`exists (select 1 from ${rowsOf(s, s.set.index(kind), a)} ${raw(a)}.code = ${code}${extra} offset 0)`;
}

/** The reference row `a` is by one of its type's compartment parameters (of `types`). */
export function compartmentCode(c: Extract<Clause, { kind: 'compartment' }>, a: string, types: readonly string[]): Fragment {
  const pairs = types.flatMap((t) => (c.codes[t] ?? []).map((code) => [t, code] as const));
  if (!pairs.length) return raw('false');
  const [only, ...more] = types.filter((t) => c.codes[t]?.length);
  if (only !== undefined && !more.length) return sql`${raw(a)}.resource_type = ${only} and ${raw(a)}.code = any(${c.codes[only]}::text[])`;
  // One array comparison of "type/code" per row: a join to the pairs, run once per reference row,
  // cost 17 ms for a Synthea patient's 234 rows on PostgreSQL 15 (this: under 1 ms).
  return sql`(${raw(a)}.resource_type || '/' || ${raw(a)}.code) = any(${pairs.map(([t, code]) => `${t}/${code}`)}::text[])`;
}

export function filterSql(c: Clause, s: Subject, scope: SearchScope, aliases: Aliases): Fragment {
  switch (c.kind) {
    case 'id':
      return sql`${s.id} = any(${c.ids}::text[])`;
    case 'lastUpdated': {
      const a = s.row ?? aliases.next();
      const at = raw(`${a}.last_updated`);
      const match = or(c.values.map((q) => dateCondition({ low: at, high: at }, q)));
      if (s.row !== undefined) return match;
      return sql`exists (select 1 from ${rowsOf(s, s.set.current, a)} ${match} offset 0)`;
    }
    case 'param': {
      const a = aliases.next();
      const exists = hasRow(s, c.def.type as IndexKind, c.def.code, a, valuesCondition(a, c.values));
      return c.negate ? sql`not ${exists}` : exists;
    }
    case 'missing': {
      const exists = hasRow(s, c.def.type as IndexKind, c.def.code, aliases.next(), undefined);
      return c.missing ? sql`not ${exists}` : exists;
    }
    case 'chain': {
      const a = aliases.next();
      const targets = c.targets.map(({ type, next }) => {
        const inner = targetSets(scope, s.set, type).map((set) =>
          filterSql(next, { set, type: sql`${type}`, id: raw(`${a}.target_id`) }, scope, aliases));
        return sql`(${raw(a)}.target_type = ${type} and ${or(inner)})`;
      });
      return hasRow(s, 'reference', c.def.code, a, or(targets));
    }
    case 'has': {
      return or(sourceSets(scope, s.set, c.type).map((set) => {
        const a = aliases.next();
        // From the subject back through the reverse index (tenant_id, target_type, target_id, ...):
        // no other index leads with more than tenant_id of what the fence says.
        const sources = sql`(select x.resource_type, x.code, x.id from ${set.index('reference')} x where ${set.key('x')}x.target_type = ${s.type}
          and x.target_id = ${s.id} offset 0) ${raw(a)}`;
        const inner = filterSql(c.next, { set, type: sql`${c.type}`, id: raw(`${a}.id`) }, scope, aliases);
        return sql`exists (select 1 from ${sources} where ${raw(a)}.resource_type = ${c.type} and ${raw(a)}.code = ${c.def.code}
          and ${inner} offset 0)`;
      }));
    }
    case 'any': {
      const options = c.options.map((clauses) => (clauses.length ? sql`(${join(clauses.map((x) => filterSql(x, s, scope, aliases)), ' and ')})` : raw('true')));
      return sql`(${s.type} <> ${c.type} or ${or(options)})`;
    }
    case 'compartment': {
      const a = aliases.next();
      const member = sql`exists (select 1 from ${rowsOf(s, s.set.index('reference'), a)} ${compartmentCode(c, a, Object.keys(c.codes))}
        and ${raw(a)}.target_type = ${c.ownerType} and ${raw(a)}.target_id = ${c.ownerId} offset 0)`;
      return c.self ? sql`(${member} or (${s.type} = ${c.ownerType} and ${s.id} = ${c.ownerId}))` : member;
    }
  }
}
