import { columnValue, sqlTypeOf, type SqlType } from './column-types.js';
import { invalidView, RUNTIME_COST_MARKER, tooCostly } from './errors.js';
import { compileFhirPath, type Scope } from './fhirpath-compile.js';
import { pathFocus, type Focus } from './infer-type.js';
import { asArray, EMPTY_ARRAY, runtimeError, type Aliases } from './sql-expr.js';
import { MAX_REPEAT_DEPTH, MAX_REPEAT_PATHS, MAX_REPEAT_ROWS } from './view-limits.js';
import { quoteIdent } from './sql-text.js';
import type { ConstantDef } from './view-constants.js';
import type { ColumnDef, SelectDef } from './view-definition.js';

/*
 * The select tree of a ViewDefinition as nested LATERAL subqueries. Each select node becomes a
 * SELECT over its focus (the resource, or an item of its parent's forEach) that returns the node's
 * rows: its own columns, crossed with each nested select, crossed with the union of its unionAll
 * branches (the spec's column order: column, select, unionAll).
 *   forEach        -> jsonb_array_elements(<collection>) with ordinality, one row per item;
 *   forEachOrNull  -> the same, but an empty collection gives one row evaluated on an empty node;
 *   repeat         -> a recursive CTE over the paths, depth first, so %rowIndex follows
 *                     document order; bounded in paths, depth and nodes (view-limits.ts).
 */

export interface OutColumn {
  name: string;
  sqlType: SqlType;
  /** For a jsonb column declared without a type: the SQL type its R4 element has (infer-type.ts). */
  modelType?: SqlType;
  def: ColumnDef;
}

export interface Relation {
  sql: string;
  columns: OutColumn[];
}

export interface SelectContext {
  resource: string;
  constants: ReadonlyMap<string, ConstantDef>;
  aliases: Aliases;
  /** The FHIR type of the focus, when the R4 model says it for certain (not inside repeat). */
  focus?: Focus;
}

function modelTypeOf(col: ColumnDef, focus: Focus | undefined): SqlType | undefined {
  if (col.type !== undefined || col.collection === true || focus === undefined) return undefined;
  const type = pathFocus(col.path, focus)?.type;
  if (type === undefined) return undefined;
  try {
    const sqlType = sqlTypeOf({ type, at: col.at });
    return sqlType === 'jsonb' ? undefined : sqlType;
  } catch {
    return undefined; // a model type the column types do not know (none in R4): stays jsonb
  }
}

/** A column keeps its model type only when every unionAll branch gives it the same one. */
function agreedModelTypes(branches: Relation[]): OutColumn[] {
  const [first, ...rest] = branches as [Relation, ...Relation[]];
  return first.columns.map((c, i) => (rest.every((b) => b.columns[i]?.modelType === c.modelType) ? c : { ...c, modelType: undefined }));
}

function scopeOf(ctx: SelectContext, focus: string, rowIndex: string, at: string): Scope {
  return { focus, rowIndex, resource: ctx.resource, constants: ctx.constants, aliases: ctx.aliases, at };
}

export function compileSelect(sel: SelectDef, focus: string, rowIndex: string, ctx: SelectContext): Relation {
  if (sel.forEach !== undefined) return forEach(sel, sel.forEach, focus, rowIndex, ctx, false);
  if (sel.forEachOrNull !== undefined) return forEach(sel, sel.forEachOrNull, focus, rowIndex, ctx, true);
  if (sel.repeat !== undefined) return repeat(sel, sel.repeat, focus, rowIndex, ctx);
  return body(sel, focus, rowIndex, [], ctx);
}

function checkUnique(columns: OutColumn[], at: string): void {
  const seen = new Set<string>();
  for (const c of columns) {
    if (seen.has(c.name)) throw invalidView(`column name "${c.name}" is used more than once`, at);
    seen.add(c.name);
  }
}

function checkUnion(branches: Relation[], at: string): void {
  const [first, ...rest] = branches as [Relation, ...Relation[]];
  const shape = (r: Relation) => r.columns.map((c) => `${c.name}:${c.sqlType}`).join(',');
  rest.forEach((b, i) => {
    if (shape(b) !== shape(first)) {
      throw invalidView(`unionAll branch ${i + 1} has columns (${shape(b)}), branch 0 has (${shape(first)}): names, order and types must match`, `${at}.unionAll`);
    }
  });
}

function body(sel: SelectDef, focus: string, rowIndex: string, from: string[], ctx: SelectContext): Relation {
  const list: string[] = [];
  const columns: OutColumn[] = [];
  const items = [...from];
  for (const col of sel.column) {
    const scope = scopeOf(ctx, focus, rowIndex, `${col.at}.path`);
    const sqlType = sqlTypeOf(col);
    list.push(`${columnValue(compileFhirPath(col.path, scope), col, scope)} as ${quoteIdent(col.name)}`);
    columns.push({ name: col.name, sqlType, modelType: modelTypeOf(col, ctx.focus), def: col });
  }
  const addRelation = (relColumns: OutColumn[], prefix: string, sql: string) => {
    const alias = ctx.aliases.next(prefix);
    items.push(`lateral (${sql}) as ${alias}`);
    for (const c of relColumns) list.push(`${alias}.${quoteIdent(c.name)}`);
    columns.push(...relColumns);
  };
  for (const child of sel.select) {
    const rel = compileSelect(child, focus, rowIndex, ctx);
    addRelation(rel.columns, 'c', rel.sql);
  }
  if (sel.unionAll.length > 0) {
    const branches = sel.unionAll.map((b) => compileSelect(b, focus, rowIndex, ctx));
    checkUnion(branches, sel.at);
    addRelation(agreedModelTypes(branches), 'u', branches.map((b) => `(${b.sql})`).join(' union all '));
  }
  checkUnique(columns, sel.at);
  const fromSql = items.length > 0 ? ` from ${items.join(' cross join ')}` : '';
  return { sql: `select ${list.join(', ')}${fromSql}`, columns };
}

function forEach(sel: SelectDef, path: string, focus: string, rowIndex: string, ctx: SelectContext, orNull: boolean): Relation {
  const at = `${sel.at}.${orNull ? 'forEachOrNull' : 'forEach'}`;
  let collection = asArray(compileFhirPath(path, scopeOf(ctx, focus, rowIndex, at)));
  // forEachOrNull on an empty collection: one row from an empty node (JSON null, seen as SQL NULL
  // by the columns), at %rowIndex 0, as the spec's reference implementation does.
  if (orNull) collection = `coalesce(nullif(${collection}, ${EMPTY_ARRAY}), '[null]'::jsonb)`;
  const it = ctx.aliases.next('it');
  const item = `jsonb_array_elements(${collection}) with ordinality as ${it}(n, o)`;
  const node = orNull ? `nullif(${it}.n, 'null'::jsonb)` : `${it}.n`;
  const focusCtx = { ...ctx, focus: ctx.focus === undefined ? undefined : pathFocus(path, ctx.focus) };
  return body(sel, node, `(${it}.o - 1)::integer`, [item], focusCtx);
}

function repeat(sel: SelectDef, paths: string[], focus: string, rowIndex: string, ctx: SelectContext): Relation {
  if (paths.length > MAX_REPEAT_PATHS) throw tooCostly(`repeat takes at most ${MAX_REPEAT_PATHS} paths`, `${sel.at}.repeat`);
  // A path that is its own focus never descends: it would run to the node cap on every resource
  // (work that stalls the embedded database's one session), so it is refused before it runs.
  const still = paths.findIndex((p) => p.trim() === '$this');
  if (still >= 0) throw tooCostly('a repeat path of $this never descends (it repeats its own focus)', `${sel.at}.repeat[${still}]`);
  const rr = ctx.aliases.next('rr');
  // The children of node rr.n: every path's items, tagged (path number, position) for ordering.
  // Each path is compiled once: the recursion starts from the focus itself, at depth 0.
  const step = paths.map((p, i) => {
    const e = ctx.aliases.next('re');
    const items = asArray(compileFhirPath(p, scopeOf(ctx, `${rr}.n`, rowIndex, `${sel.at}.repeat[${i}]`)));
    return `(select ${e}.n, ${i + 1}::bigint as p, ${e}.o from jsonb_array_elements(${items}) with ordinality as ${e}(n, o))`;
  }).join(' union all ');
  const child = ctx.aliases.next('rc');
  const nodes = ctx.aliases.next('rn');
  const counted = ctx.aliases.next('rt');
  const it = ctx.aliases.next('it');
  // PostgreSQL computes a recursive query only as far as it is read: the limit stops a repeat
  // that fans out (`repeat: ["$this", "$this"]` doubles every level) after MAX_REPEAT_ROWS + 1
  // nodes, and that one node too many fails the query rather than cutting the result short.
  const tooMany = runtimeError(`repeat produces more than ${MAX_REPEAT_ROWS} nodes for one resource; nodes:`, `${counted}.total`, 'boolean', RUNTIME_COST_MARKER);
  const cte =
    `with recursive ${rr}(n, k) as (` +
    `select ${focus}, array[]::bigint[] ` +
    `union all select ${child}.n, ${rr}.k || array[${child}.p, ${child}.o] from ${rr} ` +
    `cross join lateral (${step}) as ${child} where cardinality(${rr}.k) < ${2 * MAX_REPEAT_DEPTH}) ` +
    `select ${counted}.n, ${counted}.i from (` +
    `select ${nodes}.n, (row_number() over (order by ${nodes}.k) - 1)::integer as i, count(*) over () as total ` +
    `from (select ${rr}.n, ${rr}.k from ${rr} where cardinality(${rr}.k) > 0 limit ${MAX_REPEAT_ROWS + 1}) as ${nodes}) as ${counted} ` +
    `where case when ${counted}.total > ${MAX_REPEAT_ROWS} then ${tooMany} else true end`;
  return body(sel, `${it}.n`, `${it}.i`, [`lateral (${cte}) as ${it}`], { ...ctx, focus: undefined });
}
