import { join, raw, sql, type Fragment } from '../../db/sql.js';
import { dateCondition, or, valueCondition } from './conditions.js';
import type { IndexKind, TableSet } from '../../db/table-set.js';
import type { Clause } from './query.js';
import { compartmentCode, filterSql, sourceSets, targetSets, type Aliases, type SearchScope } from './filter-sql.js';

/*
 * A clause as the set of candidates (t, i) it can match (the "driver" form): a search starts from
 * the one clause whose index answers it most narrowly, and checks the others per candidate
 * (filter-sql.ts). Chains and `_has` drive from their innermost clause outwards, one key lookup
 * per row (LATERAL, fenced by OFFSET 0) at each level, so no level reads more than the rows that
 * lead to it. Which clause drives is decided here by its form, never by the planner's estimates:
 * on a database no ANALYZE has seen those are defaults, and a join order picked on them read a
 * whole index table once per row.
 */

/** How narrowly a clause's index answers it, by form; undefined: it cannot drive (it says what is not there). */
function rank(c: Clause): number | undefined {
  switch (c.kind) {
    case 'id': return 0;
    case 'compartment': return 1;
    case 'param': {
      if (c.negate) return undefined;
      // :contains and :text compare inside the values: one parameter's rows, read once.
      if (c.values.some((v) => (v.type === 'string' && v.m.mode === 'contains') || (v.type === 'token' && v.m.mode === 'text'))) return 8;
      return PARAM_RANK[c.def.type as IndexKind] ?? 5;
    }
    case 'chain': return Math.max(4, ...c.targets.map((t) => rank(t.next) ?? 8));
    case 'has': return Math.max(4, rank(c.next) ?? 8);
    case 'lastUpdated': return 6;
    case 'missing': return c.missing ? undefined : 7;
    case 'any': return undefined;
  }
}

const PARAM_RANK: Partial<Record<IndexKind, number>> = { token: 2, reference: 2, uri: 2, composite: 2, string: 3 };

/** The clause a search starts from (its index in `clauses`), or -1: none can, read the type's rows. */
export function pickDriver(clauses: readonly Clause[]): number {
  let best = -1;
  let bestRank = Infinity;
  clauses.forEach((c, i) => {
    const r = rank(c);
    if (r !== undefined && r < bestRank) [best, bestRank] = [i, r];
  });
  return best;
}

/*
 * The column after (tenant_id, resource_type, code) in each value index. A driver asks for its
 * rows in that order: without statistics the planner costs the (tenant_id, resource_type, id)
 * index, which matches two of the equalities, the same as the value index, which matches all of
 * them (both "one row"), and took the narrower one, reading the type's every row. Asked for an
 * order only the value index gives, it takes that one (same cost, no sort to wait for).
 */
const ORDERED: Record<IndexKind, string> = {
  string: 'value', token: 'value', reference: 'target_id', date: 'low', number: 'value', quantity: 'value', uri: 'value', composite: 'c1_value',
};

const typeIs = (column: Fragment, types: readonly string[]) =>
  types.length === 1 ? sql`${column} = ${types[0]}` : sql`${column} = any(${types}::text[])`;

/** Distinct candidates of a driver, for the key lookups of the next level. */
export const distinctOf = (driver: Fragment) => sql`(select distinct t, i from (${driver}) q)`;

/** The candidates (columns t, i) of resources of `types` in `set` that `c` can match; null if it cannot drive. */
export function driverSql(c: Clause, set: TableSet, types: readonly string[], scope: SearchScope, aliases: Aliases): Fragment | null {
  const x = aliases.next();
  const X = raw(x);
  const from = (table: Fragment) => sql`from ${table} ${X} where ${set.key(x)}`;
  switch (c.kind) {
    case 'id':
      return sql`select t.t, i.i from unnest(${types}::text[]) t(t) cross join unnest(${c.ids}::text[]) i(i)`;
    case 'lastUpdated': {
      const at = raw(`${x}.last_updated`);
      return sql`(select ${X}.resource_type as t, ${X}.id as i ${from(set.current)}${typeIs(raw(`${x}.resource_type`), types)}
        and not ${X}.deleted and ${or(c.values.map((q) => dateCondition({ low: at, high: at }, q)))} order by ${X}.last_updated)`;
    }
    case 'param':
    case 'missing': {
      if (rank(c) === undefined) return null;
      const kind = c.def.type as IndexKind;
      // In the value index's order (see ORDERED), one select per value: an OR of values cannot
      // bound an index scan, and then the narrower index looks as good again.
      const one = (value: Fragment) => sql`(select ${X}.resource_type as t, ${X}.id as i ${from(set.index(kind))}${typeIs(raw(`${x}.resource_type`), types)}
        and ${X}.code = ${c.def.code}${value} order by ${X}.${raw(ORDERED[kind])})`;
      if (c.kind === 'missing') return one(raw(''));
      if (!c.values.length) return null;
      return join(c.values.map((v) => one(sql` and ${valueCondition(x, v)}`)), ' union all ');
    }
    case 'compartment': {
      // Through the reverse index, the rest outside the fence (as for chains, below).
      const members = sql`select ${X}.resource_type as t, ${X}.id as i from (select * from ${set.index('reference')} y
          where ${set.key('y')}y.target_type = ${c.ownerType} and y.target_id = ${c.ownerId} offset 0) ${X}
        where ${compartmentCode(c, x, types)}`;
      return c.self && types.includes(c.ownerType) ? sql`${members} union all select ${c.ownerType}::text, ${c.ownerId}::text` : members;
    }
    case 'chain': {
      const parts = c.targets.flatMap(({ type, next }) => targetSets(scope, set, type).map((targetSet) => {
        const inner = driverSql(next, targetSet, [type], scope, aliases);
        if (inner === null) {
          // Nothing to start from inside: this reference parameter's rows, each target checked.
          const check = filterSql(next, { set: targetSet, type: sql`${type}`, id: raw(`${x}.target_id`) }, scope, aliases);
          return sql`(select ${X}.resource_type as t, ${X}.id as i ${from(set.index('reference'))}${typeIs(raw(`${x}.resource_type`), types)}
            and ${X}.code = ${c.def.code} and ${X}.target_type = ${type} and ${check} order by ${X}.target_id)`;
        }
        // From each matching target back to who refers to it by this parameter.
        // (Type and code outside the fence: only the reverse index leads with what it says.)
        return sql`select ${X}.resource_type as t, ${X}.id as i from ${distinctOf(inner)} m
          cross join lateral (select y.resource_type, y.id, y.code from ${set.index('reference')} y
            where ${set.key('y')}y.target_type = ${type} and y.target_id = m.i offset 0) ${X}
          where ${typeIs(raw(`${x}.resource_type`), types)} and ${X}.code = ${c.def.code}`;
      }));
      return join(parts, ' union all ');
    }
    case 'has': {
      const parts = sourceSets(scope, set, c.type).map((sources) => {
        const inner = driverSql(c.next, sources, [c.type], scope, aliases);
        const found = sql`${X}.code = ${c.def.code} and ${typeIs(raw(`${x}.target_type`), types)} and ${X}.target_id is not null`;
        if (inner === null) {
          const check = filterSql(c.next, { set: sources, type: sql`${c.type}`, id: raw(`${x}.id`) }, scope, aliases);
          return sql`(select ${X}.target_type as t, ${X}.target_id as i from ${sources.index('reference')} ${X}
            where ${sources.key(x)}${X}.resource_type = ${c.type} and ${found} and ${check} order by ${X}.target_id)`;
        }
        // From each matching source, its own reference rows by (tenant_id, id); type, code and
        // target compared outside the fence, see filter-sql.ts. Only the columns the (tenant_id,
        // id) index includes (sql/0023): the lookup never visits the heap; likewise the chain's
        // above, through the reverse index.
        return sql`select ${X}.target_type as t, ${X}.target_id as i from ${distinctOf(inner)} m
          cross join lateral (select y.resource_type, y.code, y.target_type, y.target_id from ${sources.index('reference')} y
            where ${sources.key('y')}y.id = m.i offset 0) ${X}
          where ${X}.resource_type = ${c.type} and ${found}`;
      });
      return join(parts, ' union all ');
    }
    case 'any':
      return null;
  }
}
