import type { CompileFn, Scope } from './fhirpath-compile.js';
import { notSupported } from './fhirpath-compile.js';
import type { Expr } from '../fhirpath/ast.js';
import { literal } from './sql-text.js';
import { array, asArray, asBool, asFirst, asSingle, bind, bool, EMPTY_ARRAY, value, type Compiled } from './sql-expr.js';

/*
 * FHIRPath operators over compiled collections. Comparisons and arithmetic take singletons
 * (more than one item fails the query); an empty operand gives an empty result (SQL NULL).
 */

const singleish = (c: Compiled) => c.kind === 'value' || c.kind === 'bool';

/** `=`: empty if either side is empty; otherwise item-by-item jsonb equality, in order. */
function equals(l: Compiled, r: Compiled, scope: Scope): string {
  if (l.kind === 'bool' && r.kind === 'bool') return `(${l.sql} = ${r.sql})`;
  if (singleish(l) && singleish(r)) return `(${asFirst(l)} = ${asFirst(r)})`;
  return bind(scope.aliases, [asArray(l), asArray(r)], ([a, b]) =>
    `case when jsonb_array_length(${a}) = 0 or jsonb_array_length(${b}) = 0 then null else ${a} = ${b} end`);
}

/** `~`: like `=`, but strings ignore case and runs of white space, and empty ~ empty is true. */
function equivalent(l: Compiled, r: Compiled, scope: Scope): string {
  const norm = (v: string) => `lower(regexp_replace(${v} #>> '{}', '[[:space:]]+', ' ', 'g'))`;
  return bind(scope.aliases, [asSingle(l, scope.aliases, 'operand of ~'), asSingle(r, scope.aliases, 'operand of ~')], ([x, y]) =>
    `case when ${x} is null and ${y} is null then true when ${x} is null or ${y} is null then false ` +
      `when jsonb_typeof(${x}) = 'string' and jsonb_typeof(${y}) = 'string' then ${norm(x as string)} = ${norm(y as string)} ` +
      `else ${x} = ${y} end`);
}

/** A full dateTime with a zone: such strings compare as instants, not as text. */
const INSTANT = literal('^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}([.][0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$');

/** `<`, `>`, `<=`, `>=` on numbers, and on strings (dates, times) by code point. */
function compare(op: string, l: Compiled, r: Compiled, scope: Scope): string {
  const x0 = asSingle(l, scope.aliases, `left operand of ${op}`);
  const y0 = asSingle(r, scope.aliases, `right operand of ${op}`);
  return bind(scope.aliases, [x0, y0], ([x, y]) => {
    const xt = `(${x} #>> '{}')`;
    const yt = `(${y} #>> '{}')`;
    return `case when jsonb_typeof(${x}) = 'number' and jsonb_typeof(${y}) = 'number' then (${x})::numeric ${op} (${y})::numeric ` +
      `when jsonb_typeof(${x}) = 'string' and jsonb_typeof(${y}) = 'string' then case ` +
      `when ${xt} ~ ${INSTANT} and ${yt} ~ ${INSTANT} then ${xt}::timestamptz ${op} ${yt}::timestamptz ` +
      `else ${xt} collate "C" ${op} ${yt} collate "C" end end`;
  });
}

function arithmetic(op: string, l: Compiled, r: Compiled, scope: Scope): Compiled {
  const x0 = asSingle(l, scope.aliases, `left operand of ${op}`);
  const y0 = asSingle(r, scope.aliases, `right operand of ${op}`);
  return value(bind(scope.aliases, [x0, y0], ([x, y]) => {
    const num = (expr: string) =>
      `case when jsonb_typeof(${x}) = 'number' and jsonb_typeof(${y}) = 'number' then ${expr} end`;
    const nx = `(${x})::numeric`;
    const ny = `(${y})::numeric`;
    switch (op) {
      case '+':
        return `case when jsonb_typeof(${x}) = 'string' and jsonb_typeof(${y}) = 'string' ` +
          `then to_jsonb((${x} #>> '{}') || (${y} #>> '{}')) else ${num(`to_jsonb(${nx} + ${ny})`)} end`;
      case '-':
        return num(`to_jsonb(${nx} - ${ny})`);
      case '*':
        return num(`to_jsonb(${nx} * ${ny})`);
      case '/':
        return num(`case when ${ny} = 0 then null else to_jsonb(trim_scale(${nx} / ${ny})) end`);
      case 'div':
        return num(`case when ${ny} = 0 then null else to_jsonb(div(${nx}, ${ny})) end`);
      case 'mod':
        return num(`case when ${ny} = 0 then null else to_jsonb(mod(${nx}, ${ny})) end`);
      default:
        return notSupported(`operator ${op}`, scope);
    }
  }));
}

/** `&`: string concatenation treating empty as ''. */
function concat(l: Compiled, r: Compiled, scope: Scope): Compiled {
  const x = asSingle(l, scope.aliases, 'left operand of &');
  const y = asSingle(r, scope.aliases, 'right operand of &');
  return value(`to_jsonb(coalesce(${x} #>> '{}', '') || coalesce(${y} #>> '{}', ''))`, 'string');
}

/** `|`: union without duplicates. */
function union(l: Compiled, r: Compiled, scope: Scope): Compiled {
  const t = scope.aliases.next('u');
  return array(
    `(select coalesce(jsonb_agg(${t}.e), ${EMPTY_ARRAY}) from (select x.value as e from jsonb_array_elements(${asArray(l)}) as x ` +
      `union select y.value from jsonb_array_elements(${asArray(r)}) as y) as ${t})`,
  );
}

/** `item in collection`: empty when the item is empty, false when the collection is. */
function membership(item: Compiled, coll: Compiled, scope: Scope): string {
  const x = asSingle(item, scope.aliases, 'left operand of in');
  return bind(scope.aliases, [x], ([v]) =>
    `case when ${v} is null then null else exists (select 1 from jsonb_array_elements(${asArray(coll)}) as z where z.value = ${v}) end`);
}

export function compileBinary(op: string, left: Expr, right: Expr, scope: Scope, compile: CompileFn): Compiled {
  const l = compile(left, scope);
  const r = compile(right, scope);
  const b = (c: Compiled, side: string) => asBool(c, scope.aliases, `${side} operand of ${op}`);
  switch (op) {
    case 'and':
      return bool(`(${b(l, 'left')} and ${b(r, 'right')})`);
    case 'or':
      return bool(`(${b(l, 'left')} or ${b(r, 'right')})`);
    case 'xor':
      return bool(`(${b(l, 'left')} <> ${b(r, 'right')})`);
    case 'implies':
      return bool(`(not ${b(l, 'left')} or ${b(r, 'right')})`);
    case '=':
      return bool(equals(l, r, scope));
    case '!=':
      return bool(`(not ${equals(l, r, scope)})`);
    case '~':
      return bool(equivalent(l, r, scope));
    case '!~':
      return bool(`(not ${equivalent(l, r, scope)})`);
    case '<':
    case '>':
    case '<=':
    case '>=':
      return bool(compare(op, l, r, scope));
    case '+':
    case '-':
    case '*':
    case '/':
    case 'div':
    case 'mod':
      return arithmetic(op, l, r, scope);
    case '&':
      return concat(l, r, scope);
    case '|':
      return union(l, r, scope);
    case 'in':
      return bool(membership(l, r, scope));
    case 'contains':
      return bool(membership(r, l, scope));
    default:
      return notSupported(`operator ${op}`, scope);
  }
}
