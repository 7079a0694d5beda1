import { RUNTIME_ERROR_MARKER, tooCostly } from './errors.js';
import { jsonpathLiteral, literal } from './sql-text.js';
import { checkSqlSize, MAX_VIEW_PARSE_COST } from './view-limits.js';

/**
 * A FHIRPath value compiled to SQL. FHIRPath values are ordered collections; the SQL keeps them
 * in whichever shape is cheapest until an operator needs another:
 * - `path`: `jsonb_path_query_*(base, 'lax $[*]' || steps)`, navigation not yet materialised
 *   (base is one jsonb item or a jsonb array; lax `[*]` treats both alike);
 * - `array`: a jsonb array holding the collection (never SQL NULL);
 * - `value`: at most one item, as a jsonb scalar/object, SQL NULL when empty;
 * - `bool`: a SQL boolean, NULL when empty (SQL's three-valued logic is FHIRPath's).
 * `fhirType` is the FHIR type when the compiler knows it (from ofType(), literals, constants).
 */
export type Compiled =
  | { kind: 'path'; base: string; steps: string; fhirType?: string }
  | { kind: 'array'; sql: string; fhirType?: string }
  | { kind: 'value'; sql: string; fhirType?: string }
  | { kind: 'bool'; sql: string };

/**
 * The state of one view's compilation: each subquery gets its own alias, and the SQL compiled so
 * far is counted against MAX_VIEW_SQL_BYTES, so a huge view stops as soon as it is too big.
 */
export class Aliases {
  private n = 0;
  private bytes = 0;
  next(prefix: string): string {
    this.n += 1;
    return `${prefix}${this.n}`;
  }
  private parseCost = 0;
  charge(bytes: number, at: string): void {
    this.bytes += bytes;
    checkSqlSize(this.bytes, at);
  }
  /** The parse cost of one more expression of the view (view-path.ts), against MAX_VIEW_PARSE_COST. */
  chargeParse(cost: number, at: string): void {
    this.parseCost += cost;
    if (this.parseCost > MAX_VIEW_PARSE_COST) {
      throw tooCostly(`The view's FHIRPath expressions have more than ${MAX_VIEW_PARSE_COST} operators and function calls together`, at);
    }
  }
}

export const EMPTY_ARRAY = `'[]'::jsonb`;

export function jsonPathOf(c: { steps: string }): string {
  return jsonpathLiteral(`lax $[*]${c.steps}`);
}

/** A jsonb literal other than null, as jsonbLiteral() writes it. */
const JSONB_LITERAL = /^E?'(?:[^']|'')*'::jsonb$/;

/** The collection as a jsonb array. */
export function asArray(c: Compiled): string {
  switch (c.kind) {
    case 'path':
      return `coalesce(jsonb_path_query_array(${c.base}, ${jsonPathOf(c)}), ${EMPTY_ARRAY})`;
    case 'array':
      return c.sql;
    case 'value':
      if (JSONB_LITERAL.test(c.sql)) return `jsonb_build_array(${c.sql})`;
      return `coalesce(jsonb_path_query_array(${c.sql}, 'lax $'), ${EMPTY_ARRAY})`;
    case 'bool':
      return `coalesce(jsonb_path_query_array(to_jsonb(${c.sql}), 'lax $'), ${EMPTY_ARRAY})`;
  }
}

/** The first item (FHIRPath first()), SQL NULL when empty. */
export function asFirst(c: Compiled): string {
  switch (c.kind) {
    case 'path':
      return `jsonb_path_query_first(${c.base}, ${jsonPathOf(c)})`;
    case 'array':
      return `(${c.sql} -> 0)`;
    case 'value':
      return c.sql;
    case 'bool':
      return `to_jsonb(${c.sql})`;
  }
}

/** True when the collection has items; never NULL. */
export function asExists(c: Compiled): string {
  switch (c.kind) {
    case 'path':
      return `coalesce(jsonb_path_exists(${c.base}, ${jsonPathOf(c)}), false)`;
    case 'array':
      return `(jsonb_array_length(${c.sql}) > 0)`;
    case 'value':
    case 'bool':
      return `(${c.sql} is not null)`;
  }
}

/** Matches an expression that is cheap to repeat: a column reference or a literal. */
const SIMPLE = /^(?:[a-z][a-z0-9_]*\.[a-z_]+|'(?:[^'\\]|'')*'(?:::jsonb)?|-?\d+(?:\.\d+)?|true|false|null)$/;

/**
 * Evaluates each expression once and hands `body` names for the results:
 * `(select <body> from (select e1 as v1, e2 as v2 offset 0) as bN)`. Simple expressions are used
 * in place. `offset 0` keeps the planner from pulling the subquery up, which would put each
 * expression back in every place its name is used: work exponential in the nesting again.
 */
export function bind(aliases: Aliases, exprs: string[], body: (names: string[]) => string): string {
  if (exprs.every((e) => SIMPLE.test(e))) return body(exprs);
  const t = aliases.next('b');
  const names = exprs.map((_, i) => `${t}.v${i + 1}`);
  const cols = exprs.map((e, i) => `${e} as v${i + 1}`).join(', ');
  return `(select ${body(names)} from (select ${cols} offset 0) as ${t})`;
}

/**
 * SQL that fails the query with a message (see RUNTIME_ERROR_MARKER), typed `sqlType` so it can
 * sit in a CASE branch. `detail` must be non-constant SQL text, or the planner may fold the cast
 * and fail every query.
 */
export function runtimeError(message: string, detail: string, sqlType: 'jsonb' | 'boolean', marker = RUNTIME_ERROR_MARKER): string {
  const fail = `((${literal(`${marker} ${message} `)} || (${detail})::text)::integer)`;
  return sqlType === 'jsonb' ? `to_jsonb${fail}` : `${fail}::boolean`;
}

/** The single item (SQL NULL when empty); more than one item fails the query with `what`. */
export function asSingle(c: Compiled, aliases: Aliases, what: string): string {
  if (c.kind === 'value' || c.kind === 'bool') return asFirst(c);
  return bind(aliases, [asArray(c)], ([a]) =>
    `case when jsonb_array_length(${a}) > 1 then ${runtimeError(`${what} has more than one value; count:`, `jsonb_array_length(${a})`, 'jsonb')} else ${a} -> 0 end`);
}

/**
 * The collection in a boolean context. FHIRPath singleton evaluation: empty -> NULL, one Boolean
 * -> itself, one other item -> true (or an error when `strict`, as the spec wants for view-level
 * `where`), several items -> error.
 */
export function asBool(c: Compiled, aliases: Aliases, what: string, strict = false): string {
  if (c.kind === 'bool') return c.sql;
  return bind(aliases, [asSingle(c, aliases, what)], ([v]) => {
    const other = strict ? runtimeError(`${what} is not boolean; value:`, `${v}`, 'boolean') : 'true';
    return `case when ${v} is null then null when jsonb_typeof(${v}) = 'boolean' then (${v})::boolean else ${other} end`;
  });
}

export function value(sql: string, fhirType?: string): Compiled {
  return fhirType === undefined ? { kind: 'value', sql } : { kind: 'value', sql, fhirType };
}

export function array(sql: string, fhirType?: string): Compiled {
  return fhirType === undefined ? { kind: 'array', sql } : { kind: 'array', sql, fhirType };
}

export function bool(sql: string): Compiled {
  return { kind: 'bool', sql };
}

/**
 * Maps each item of a collection through `itemSql` (SQL over the item `alias.e`, returning jsonb
 * or NULL to drop it), keeping order: the shape of getReferenceKey(), select() and the like.
 */
export function mapItems(
  aliases: Aliases,
  input: Compiled,
  itemSql: (item: string) => string,
  where?: (item: string) => string,
): Compiled {
  const items = aliases.next('m');
  const mapped = aliases.next('mx');
  const item = `${items}.e`;
  const filter = where ? ` where ${where(item)}` : '';
  return array(
    `(select coalesce(jsonb_agg(${mapped}.x order by ${mapped}.o) filter (where ${mapped}.x is not null), ${EMPTY_ARRAY}) ` +
      `from (select ${itemSql(item)} as x, ${items}.o from jsonb_array_elements(${asArray(input)}) with ordinality as ${items}(e, o)${filter}) as ${mapped})`,
  );
}
