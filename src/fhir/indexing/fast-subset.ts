/**
 * The subset of FHIRPath that the fast accessor compiler handles, read off
 * the project's one syntax tree (src/fhirpath). It covers most R4 search
 * expressions:
 *   A.b.c | A.d                      paths and unions
 *   (A.value as Quantity).unit       `as` operator, parenthesized
 *   A.value.as(Quantity), .ofType(T) type filters
 *   A.telecom.where(system='phone')  equality on a child with a string literal
 *   A.subject.where(resolve() is T)  reference target type (see reference-type.ts)
 * Anything else throws FastUnsupported, and the caller uses fhirpath.js.
 */
import type { Expr } from '../../fhirpath/ast.js';
import { parseFhirPath } from '../../fhirpath/parse.js';

export class FastUnsupported extends Error {}

export type Step =
  | { readonly kind: 'child'; readonly name: string }
  | { readonly kind: 'as'; readonly type: string }
  | { readonly kind: 'whereEquals'; readonly child: string; readonly literal: string }
  | { readonly kind: 'whereRefType'; readonly type: string };

export type Root =
  | { readonly kind: 'context' }
  | { readonly kind: 'type'; readonly name: string }
  | { readonly kind: 'paren'; readonly expr: Union };

export interface Term {
  readonly root: Root;
  readonly steps: readonly Step[];
}

export interface Union {
  readonly terms: readonly Term[];
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function fail(why: string): never {
  throw new FastUnsupported(why);
}

/** A type name as the subset takes it: unqualified (FHIR.string, System.String go to fhirpath.js). */
function simpleType(name: string): string {
  if (!NAME.test(name)) fail(`qualified type ${name}`);
  return name;
}

/** The type argument of as()/ofType(): a bare name. */
function typeArgument(args: readonly Expr[]): string {
  const [arg] = args;
  if (args.length !== 1 || arg === undefined || arg.type !== 'member' || arg.target !== undefined) fail('type argument');
  return simpleType(arg.name);
}

function elementName(name: string): string {
  if (!/^[a-z]/.test(name) || !NAME.test(name)) fail(`not an element name: ${name}`);
  return name;
}

function wherePredicate(args: readonly Expr[]): Step {
  const [p] = args;
  if (args.length !== 1 || p === undefined) fail('where() arguments');
  if (p.type === 'typeop' && p.op === 'is') {
    const o = p.operand;
    if (o.type !== 'call' || o.name !== 'resolve' || o.target !== undefined || o.args.length > 0) fail('is without resolve()');
    return { kind: 'whereRefType', type: simpleType(p.typeName) };
  }
  if (p.type !== 'binary' || p.op !== '=') fail('where() predicate');
  const { left, right } = p;
  if (left.type !== 'member' || left.target !== undefined || !NAME.test(left.name)) fail('where() left side');
  if (right.type !== 'literal' || right.kind !== 'string') fail('expected a string literal');
  return { kind: 'whereEquals', child: left.name, literal: right.value };
}

/** Steps of a path, outermost last, down to its root. */
function term(e: Expr, steps: Step[]): Term {
  switch (e.type) {
    case 'member':
      if (e.target === undefined) {
        if (/^[A-Z]/.test(e.name) && NAME.test(e.name)) return { root: { kind: 'type', name: e.name }, steps: steps.reverse() };
        steps.push({ kind: 'child', name: elementName(e.name) });
        return { root: { kind: 'context' }, steps: steps.reverse() };
      }
      steps.push({ kind: 'child', name: elementName(e.name) });
      return term(e.target, steps);
    case 'typeop':
      if (e.op !== 'as') fail('is operator');
      steps.push({ kind: 'as', type: simpleType(e.typeName) });
      return term(e.operand, steps);
    case 'call': {
      if (e.name === 'as' || e.name === 'ofType') steps.push({ kind: 'as', type: typeArgument(e.args) });
      else if (e.name === 'where') steps.push(wherePredicate(e.args));
      else fail(`function ${e.name}()`);
      // A function first in a term applies to the focus itself.
      if (e.target === undefined) return { root: { kind: 'context' }, steps: steps.reverse() };
      return term(e.target, steps);
    }
    case 'binary':
      if (e.op !== '|') fail(`operator ${e.op}`);
      return { root: { kind: 'paren', expr: union(e) }, steps: steps.reverse() };
    default:
      return fail(e.type);
  }
}

function union(e: Expr): Union {
  const terms: Term[] = [];
  const add = (x: Expr): void => {
    if (x.type === 'binary' && x.op === '|') {
      add(x.left);
      add(x.right);
    } else {
      terms.push(term(x, []));
    }
  };
  add(e);
  return { terms };
}

/** The subset form of `expr`, or throws FastUnsupported (also for text that is not FHIRPath). */
export function parseFast(expr: string): Union {
  let tree: Expr;
  try {
    tree = parseFhirPath(expr);
  } catch (e) {
    throw new FastUnsupported(e instanceof Error ? e.message : String(e));
  }
  return union(tree);
}
