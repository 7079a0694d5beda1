import { Fragment, sql, raw } from '../db/sql.js';
import { criteriaClause } from '../fhir/repository/access.js';
import { SHARED_TABLES, tenantTables, type TableSet } from '../db/table-set.js';
import { rowCondition, type SearchScope } from '../fhir/search/to-sql.js';
import { literal } from './sql-text.js';
import type { ReadScope } from '../fhir/extensions.js';

/*
 * What $run reads of a type, under the caller's access-policy criteria (e.g. a vitals-only client:
 * `Observation?category=vital-signs`). The criteria become the very clauses a search of the type
 * would add (criteriaClause, rowCondition: repository/access.ts, search/to-sql.ts), applied to
 * the tenant's rows and to the shared ones alike, so a view sees exactly what a search would.
 * The compiled view is one SQL text without bound parameters (compile-view.ts), so the clauses'
 * values are written as literals, through the same quoting as every value of the view.
 */


/** The relation for compileViewDefinition: its `source` kind and a parenthesised subquery. */
export function runSource(scope: Pick<ReadScope, 'scope' | 'shareable'>, type: string, criteria: readonly string[] | undefined): { source: 'tenant' | 'shared'; from: string } {
  const base = scope.scope;
  const search: SearchScope = { own: base.kind === 'shared' ? SHARED_TABLES : tenantTables(base.tenantId), shareable: (t) => scope.shareable(t) };
  const where = (set: TableSet): Fragment => (criteria === undefined ? raw('') : sql` and ${rowCondition([criteriaClause(type, criteria)], type, set, search, 'r')}`);
  const shared = (tenantColumn: boolean) =>
    sql`select ${raw(tenantColumn ? "'' as tenant_id, " : '')}r.resource_type, r.id, r.deleted, r.resource from shared_resource r where true${where(SHARED_TABLES)}`;
  if (base.kind === 'shared') return { source: 'shared', from: `(${inline(shared(false))})` };
  // The explicit tenant_id lets the planner use the tenant-leading indexes (RLS would filter anyway).
  const own = sql`select r.tenant_id, r.resource_type, r.id, r.deleted, r.resource from resource r where r.tenant_id = ${base.tenantId}${where(search.own)}`;
  return { source: 'tenant', from: scope.shareable(type) ? `(${inline(own)} union all ${inline(shared(true))})` : `(${inline(own)})` };
}

/** A fragment as SQL text, its values as literals (only the value kinds search SQL binds). */
function inline(f: Fragment): string {
  let text = f.strings[0] ?? '';
  f.values.forEach((v, i) => {
    text += (v instanceof Fragment ? inline(v) : valueLiteral(v)) + (f.strings[i + 1] ?? '');
  });
  return text;
}

function valueLiteral(v: unknown): string {
  if (typeof v === 'string') return literal(v);
  if (typeof v === 'number' && Number.isFinite(v)) return `(${String(v)})`;
  if (typeof v === 'boolean') return String(v);
  if (v === null) return 'null';
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return `array[${v.map(literal).join(', ')}]::text[]`;
  throw new Error(`run-criteria: no literal form for a ${typeof v} value`);
}
