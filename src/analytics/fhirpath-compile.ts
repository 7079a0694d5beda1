import { invalidView, unsupported } from './errors.js';
import { compileCall, ofType } from './fhirpath-functions.js';
import { compileBinary } from './fhirpath-operators.js';
import type { Expr } from '../fhirpath/ast.js';
import { parseViewPath } from './view-path.js';
import { asArray, asFirst, asSingle, bind, value, type Aliases, type Compiled } from './sql-expr.js';
import { jsonbFromText, jsonbLiteral, jsonpathString } from './sql-text.js';
import type { ConstantDef } from './view-constants.js';

/**
 * Where a FHIRPath expression is evaluated: `focus` is the SQL (jsonb, one item) of the node the
 * expression starts from — the resource, a forEach item, or the item inside where() — and
 * `rowIndex` the SQL integer behind %rowIndex.
 */
export interface Scope {
  focus: string;
  resource: string;
  rowIndex: string;
  constants: ReadonlyMap<string, ConstantDef>;
  aliases: Aliases;
  /** Where in the view the expression is, for error messages (`select[0].column[2].path`). */
  at: string;
}

export type CompileFn = (e: Expr, scope: Scope) => Compiled;

/** Compiles FHIRPath source text in a scope, counting its SQL against the view's size cap. */
export function compileFhirPath(src: string, scope: Scope): Compiled {
  const c = compileExpr(parseViewPath(src, scope.at, (cost, at) => scope.aliases.chargeParse(cost, at)), scope);
  scope.aliases.charge(c.kind === 'path' ? c.base.length + c.steps.length : c.sql.length, scope.at);
  return c;
}

/** One navigation step in jsonpath: member `name`, then unwrap arrays (FHIRPath flattens). */
export function memberStep(name: string): string {
  return `.${jsonpathString(name)}[*]`;
}

/** Continues a compiled collection with more jsonpath steps. */
export function extendPath(c: Compiled, steps: string): Compiled {
  if (c.kind === 'path') return { kind: 'path', base: c.base, steps: c.steps + steps };
  const base = c.kind === 'array' ? c.sql : asFirst(c);
  return { kind: 'path', base, steps };
}

export function compileExpr(e: Expr, scope: Scope): Compiled {
  switch (e.type) {
    case 'literal':
      if (e.kind === 'string') return value(jsonbLiteral(e.value), 'string');
      if (e.kind === 'boolean') return { kind: 'bool', sql: e.value ? 'true' : 'false' };
      return { kind: 'array', sql: `'[]'::jsonb` };
    case 'number':
      return value(jsonbFromText(e.text), e.text.includes('.') ? 'decimal' : 'integer');
    case 'datetime': {
      const type = e.text.startsWith('T') ? 'time' : e.text.includes('T') ? 'dateTime' : 'date';
      return value(jsonbLiteral(type === 'time' ? e.text.slice(1) : e.text), type);
    }
    case 'quantity':
      throw invalidView('FHIRPath quantity literals are not supported', scope.at);
    case 'variable':
      throw invalidView(`FHIRPath $${e.name} is not supported`, scope.at);
    case 'this':
      return value(scope.focus);
    case 'env':
      return environment(e.name, scope);
    case 'member':
      return member(e, scope);
    case 'index':
      return index(e.target, e.index, scope);
    case 'unary': {
      if (e.op === '+') return compileExpr(e.operand, scope);
      if (e.operand.type === 'number') return value(jsonbFromText(`-${e.operand.text}`), e.operand.text.includes('.') ? 'decimal' : 'integer');
      const v = asSingle(compileExpr(e.operand, scope), scope.aliases, 'operand of unary minus');
      return value(`to_jsonb(-(${v})::numeric)`);
    }
    case 'binary':
      return compileBinary(e.op, e.left, e.right, scope, compileExpr);
    case 'typeop':
      return ofType(e.op, e.operand, e.typeName, scope, compileExpr);
    case 'call':
      return compileCall(e, scope, compileExpr);
  }
}

function environment(name: string, scope: Scope): Compiled {
  if (name === 'rowIndex') return value(`to_jsonb(${scope.rowIndex})`, 'integer');
  const constant = scope.constants.get(name);
  if (constant) return value(jsonbLiteral(constant.value), constant.fhirType);
  if (name === 'resource' || name === 'rootResource') return value(scope.resource);
  if (name === 'ucum') return value(jsonbLiteral('http://unitsofmeasure.org'), 'string');
  if (name === 'sct') return value(jsonbLiteral('http://snomed.info/sct'), 'string');
  if (name === 'loinc') return value(jsonbLiteral('http://loinc.org'), 'string');
  throw invalidView(`undefined constant %${name}`, scope.at);
}

function member(e: Extract<Expr, { type: 'member' }>, scope: Scope): Compiled {
  return memberOf(e.target === undefined ? undefined : compileExpr(e.target, scope), e.name, scope);
}

/** Member `name` of a compiled target (undefined: of the focus). */
export function memberOf(target: Compiled | undefined, name: string, scope: Scope): Compiled {
  if (target === undefined) {
    // A type name first in a path (`Patient.name`) keeps the focus if it is of that type.
    if (/^[A-Z]/.test(name)) {
      return { kind: 'path', base: scope.focus, steps: ` ? (@."resourceType" == ${jsonpathString(name)})` };
    }
    return { kind: 'path', base: scope.focus, steps: memberStep(name) };
  }
  return extendPath(target, memberStep(name));
}

/** A compile-time non-negative integer (literal or integer constant), else undefined. */
export function staticInteger(e: Expr, scope: Scope): number | undefined {
  let n: number | undefined;
  if (e.type === 'number' && /^\d+$/.test(e.text)) n = Number(e.text);
  if (e.type === 'env') {
    const c = scope.constants.get(e.name);
    if (c && typeof c.value === 'number' && Number.isInteger(c.value)) n = c.value;
  }
  // Past PostgreSQL's integer range nothing can be at that position: clamp, keeping it empty.
  return n === undefined ? undefined : Math.min(n, 2 ** 31 - 1);
}

function index(target: Expr, indexExpr: Expr, scope: Scope): Compiled {
  const items = asArray(compileExpr(target, scope));
  const n = staticInteger(indexExpr, scope);
  if (n !== undefined) return value(n >= 0 ? `(${items} -> ${n})` : 'null::jsonb');
  const i = asSingle(compileExpr(indexExpr, scope), scope.aliases, 'index');
  return value(bind(scope.aliases, [i], ([v]) => `case when jsonb_typeof(${v}) = 'number' and (${v})::numeric >= 0 then ${items} -> ((${v})::integer) end`));
}

/** Rejects FHIRPath this compiler cannot translate, with the view location. */
export function notSupported(what: string, scope: Scope): never {
  throw unsupported(`FHIRPath ${what} is not supported`, scope.at);
}
