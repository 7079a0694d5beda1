import { ID_PATTERN } from '../core/ids.js';
import { boundary } from './boundary.js';
import type { CompileFn, Scope } from './fhirpath-compile.js';
import { extendPath, memberOf, memberStep, notSupported, staticInteger } from './fhirpath-compile.js';
import { typeFilter, typeNameOf } from './fhirpath-types.js';
import type { Expr } from '../fhirpath/ast.js';
import { invalidView } from './errors.js';
import {
  array, asArray, asBool, asExists, asFirst, bind, bool, EMPTY_ARRAY, mapItems, value, type Compiled,
} from './sql-expr.js';
import { jsonpathString, literal } from './sql-text.js';

/*
 * FHIRPath functions: the spec's required set (where, exists, empty, first, join, ofType,
 * extension, not, getResourceKey, getReferenceKey, lowBoundary/highBoundary) plus a few cheap
 * neighbours (last, tail, skip, take, count, select, all, hasValue, is, as).
 */

type Call = Extract<Expr, { type: 'call' }>;

/** `Type/id` at the end of a reference, optionally followed by `/_history/vid`. */
const REFERENCE = literal(`(?:^|/)([A-Z][A-Za-z]+)/(${ID_PATTERN})(?:/_history/${ID_PATTERN})?$`);

function arity(call: Call, min: number, max: number, scope: Scope): void {
  if (call.args.length < min || call.args.length > max) {
    throw invalidView(`${call.name}() takes ${min === max ? min : `${min} to ${max}`} argument(s)`, scope.at);
  }
}

/** Items of `input` for which `criteria` (evaluated with each item as $this) is true, in order. */
function where(input: Compiled, criteria: Expr, scope: Scope, compile: CompileFn): Compiled {
  const t = scope.aliases.next('w');
  const inner = { ...scope, focus: `${t}.e` };
  const cond = asBool(compile(criteria, inner), scope.aliases, 'where() criteria');
  return array(
    `(select coalesce(jsonb_agg(${t}.e order by ${t}.o), ${EMPTY_ARRAY}) ` +
      `from jsonb_array_elements(${asArray(input)}) with ordinality as ${t}(e, o) where ${cond})`,
  );
}

/** True when `criteria` is true for every item (so true on an empty collection). */
function all(input: Compiled, criteria: Expr, scope: Scope, compile: CompileFn): Compiled {
  const t = scope.aliases.next('a');
  const cond = asBool(compile(criteria, { ...scope, focus: `${t}.e` }), scope.aliases, 'all() criteria');
  return bool(`(not exists (select 1 from jsonb_array_elements(${asArray(input)}) as ${t}(e) where (${cond}) is not true))`);
}

/** Items at 1-based positions in (from, to], for tail/skip/take. */
function slice(input: Compiled, from: number, to: number | undefined, scope: Scope): Compiled {
  const t = scope.aliases.next('s');
  const upper = to === undefined ? '' : ` and ${t}.o <= ${to}`;
  return array(
    `(select coalesce(jsonb_agg(${t}.e order by ${t}.o), ${EMPTY_ARRAY}) ` +
      `from jsonb_array_elements(${asArray(input)}) with ordinality as ${t}(e, o) where ${t}.o > ${from}${upper})`,
  );
}

/** A compile-time string argument (literal or string constant). */
function staticString(e: Expr, scope: Scope, what: string): string {
  if (e.type === 'literal' && e.kind === 'string') return e.value as string;
  if (e.type === 'env') {
    const c = scope.constants.get(e.name);
    if (c && typeof c.value === 'string') return c.value;
  }
  return notSupported(`${what} other than a string literal or string constant`, scope);
}

/**
 * ofType(T), as(T), is(T). On a member (`value.ofType(Quantity)`) this is the choice element
 * `valueQuantity`, plus — for a member that is not a choice — the member's own items of type T.
 */
export function ofType(op: string, target: Expr | undefined, typeName: string, scope: Scope, compile: CompileFn): Compiled {
  const type = typeNameOf(typeName);
  let result: Compiled;
  const filter = typeFilter(type);
  if (target?.type === 'member') {
    const choiceName = `${target.name}${type.charAt(0).toUpperCase()}${type.slice(1)}`;
    // The member's target is compiled once: both readings below start from it.
    const base = target.target === undefined ? undefined : compile(target.target, scope);
    if (filter === undefined) {
      const choice = memberOf(base, choiceName, scope);
      result = choice.kind === 'bool' ? choice : { ...choice, fhirType: type };
    } else {
      const both = (b: Compiled | undefined) =>
        `(${asArray(memberOf(b, choiceName, scope))} || ${asArray(extendPath(memberOf(b, target.name, scope), filter))})`;
      result = array(base === undefined ? both(undefined) : bind(scope.aliases, [asArray(base)], ([a]) => both(array(a as string))), type);
    }
  } else {
    if (filter === undefined) return notSupported(`${op}(${type}) on anything but a choice element`, scope);
    const input = target === undefined ? value(scope.focus) : compile(target, scope);
    result = { ...extendPath(input, filter), fhirType: type } as Compiled;
  }
  if (op === 'is') return bool(asExists(result));
  return result;
}

function typeArgument(call: Call, scope: Scope): string {
  const arg = call.args[0] as Expr;
  const parts: string[] = [];
  let e: Expr | undefined = arg;
  while (e?.type === 'member') {
    parts.unshift(e.name);
    e = e.target;
  }
  if (e !== undefined || parts.length === 0) throw invalidView(`${call.name}() takes a type name`, scope.at);
  return parts.join('.');
}

function join(input: Compiled, call: Call, scope: Scope): Compiled {
  const sep = call.args.length === 0 ? literal('') : literal(staticString(call.args[0] as Expr, scope, 'join() separator'));
  const t = scope.aliases.next('j');
  return value(
    `(select to_jsonb(coalesce(string_agg(${t}.e #>> '{}', ${sep} order by ${t}.o), '')) ` +
      `from jsonb_array_elements(${asArray(input)}) with ordinality as ${t}(e, o))`,
    'string',
  );
}

function referenceKey(input: Compiled, call: Call, scope: Scope): Compiled {
  const type = call.args.length === 0 ? undefined : typeNameOf(typeArgument(call, scope));
  return mapItems(scope.aliases, input, (item) => {
    const rm = scope.aliases.next('rk');
    const typeCheck = type === undefined ? '' : ` where ${rm}.m[1] = ${literal(type)}`;
    return `(select to_jsonb(${rm}.m[2]) from regexp_match(${item} ->> 'reference', ${REFERENCE}) as ${rm}(m)${typeCheck})`;
  });
}

export function compileCall(call: Call, scope: Scope, compile: CompileFn): Compiled {
  const name = call.name;
  if (name === 'ofType' || name === 'as' || name === 'is') {
    arity(call, 1, 1, scope);
    return ofType(name, call.target, typeArgument(call, scope), scope, compile);
  }
  const input = call.target === undefined ? value(scope.focus) : compile(call.target, scope);
  const arg = (i: number) => call.args[i] as Expr;
  switch (name) {
    case 'where':
      arity(call, 1, 1, scope);
      return where(input, arg(0), scope, compile);
    case 'exists':
      arity(call, 0, 1, scope);
      return bool(asExists(call.args.length === 0 ? input : where(input, arg(0), scope, compile)));
    case 'empty':
      arity(call, 0, 0, scope);
      return bool(`(not ${asExists(input)})`);
    case 'hasValue':
      arity(call, 0, 0, scope);
      return bool(asExists(input));
    case 'not':
      arity(call, 0, 0, scope);
      return bool(`(not ${asBool(input, scope.aliases, 'input of not()')})`);
    case 'all':
      arity(call, 1, 1, scope);
      return all(input, arg(0), scope, compile);
    case 'first':
      arity(call, 0, 0, scope);
      return { kind: 'value', sql: asFirst(input), ...fhirTypeOf(input) };
    case 'last':
      arity(call, 0, 0, scope);
      return { kind: 'value', sql: `(${asArray(input)} -> -1)`, ...fhirTypeOf(input) };
    case 'tail':
      arity(call, 0, 0, scope);
      return slice(input, 1, undefined, scope);
    case 'skip':
    case 'take': {
      arity(call, 1, 1, scope);
      const n = staticInteger(arg(0), scope);
      if (n === undefined) return notSupported(`${name}() with a computed count`, scope);
      return name === 'skip' ? slice(input, n, undefined, scope) : slice(input, 0, n, scope);
    }
    case 'count':
      arity(call, 0, 0, scope);
      return value(`to_jsonb(jsonb_array_length(${asArray(input)}))`, 'integer');
    case 'select': {
      arity(call, 1, 1, scope);
      const t = scope.aliases.next('p');
      const projected = asArray(compile(arg(0), { ...scope, focus: `${t}.e` }));
      return array(
        `(select coalesce(jsonb_agg(${t}x.value order by ${t}.o, ${t}x.ordinality), ${EMPTY_ARRAY}) ` +
          `from jsonb_array_elements(${asArray(input)}) with ordinality as ${t}(e, o) ` +
          `cross join lateral jsonb_array_elements(${projected}) with ordinality as ${t}x)`,
      );
    }
    case 'join':
      arity(call, 0, 1, scope);
      return join(input, call, scope);
    case 'extension': {
      arity(call, 1, 1, scope);
      const url = staticString(arg(0), scope, 'extension() url');
      return extendPath(input, `${memberStep('extension')} ? (@."url" == ${jsonpathString(url)})`);
    }
    case 'getResourceKey':
      arity(call, 0, 0, scope);
      return extendPath(input, ` ? (exists(@."resourceType"))${memberStep('id')}`);
    case 'getReferenceKey':
      arity(call, 0, 1, scope);
      return referenceKey(input, call, scope);
    case 'lowBoundary':
    case 'highBoundary':
      if (call.args.length > 0) return notSupported(`${name}() with a precision`, scope);
      return boundary(name === 'lowBoundary' ? 'low' : 'high', input, scope);
    default:
      return notSupported(`function ${name}()`, scope);
  }
}

function fhirTypeOf(c: Compiled): { fhirType?: string } {
  return c.kind !== 'bool' && c.fhirType !== undefined ? { fhirType: c.fhirType } : {};
}
