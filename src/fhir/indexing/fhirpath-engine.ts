/**
 * The general evaluator: HL7's fhirpath.js with the R4 model. Used for
 * expressions the fast accessor compiler does not handle, and as the
 * reference implementation the fast path is tested against.
 */
import fhirpath from 'fhirpath';
import { unionTerms, type Expr } from '../../fhirpath/ast.js';
import { parseFhirPath } from '../../fhirpath/parse.js';
import { printFhirPath } from '../../fhirpath/print.js';
import { fhirTypeName, r4Model } from '../../fhirpath/r4-model.js';
import { referenceIsTypePredicate } from './reference-type.js';
import type { TypedValue } from './typed-value.js';

/** Evaluates against one focus; `resource` is the enclosing resource (`%resource`). */
export type Evaluator = (focus: unknown, resource: unknown) => TypedValue[];

/** `as(T)`, `ofType(T)`, `is(T)`: the type argument with the FHIR type meant (see fhirTypeName). */
function typeArgs(args: readonly Expr[]): Expr[] {
  return args.map((a) => (a.type === 'member' && a.target === undefined ? { ...a, name: fhirTypeName(a.name) } : rewrite(a)));
}

/** `resolve() is X` (on a reference focus, or after `target.`) as a check of the reference itself. */
function resolveIs(target: Expr | undefined, type: string): Expr {
  const check = parseFhirPath(referenceIsTypePredicate(type));
  if (target === undefined || check.type !== 'call') return check;
  return { ...check, target: rewrite(target) };
}

/** See rewriteForFhirpath. */
function rewrite(e: Expr): Expr {
  switch (e.type) {
    case 'typeop': {
      const o = e.operand;
      if (e.op === 'is' && o.type === 'call' && o.name === 'resolve' && o.args.length === 0) return resolveIs(o.target, e.typeName);
      const typeName = fhirTypeName(e.typeName);
      if (e.op === 'as') return { type: 'call', target: rewrite(o), name: 'ofType', args: [{ type: 'member', name: typeName }] };
      return { ...e, operand: rewrite(o), typeName };
    }
    case 'call': {
      const target = e.target === undefined ? undefined : rewrite(e.target);
      if (e.name === 'as' || e.name === 'ofType' || e.name === 'is') {
        return { ...e, target, name: e.name === 'as' ? 'ofType' : e.name, args: typeArgs(e.args) };
      }
      return { ...e, target, args: e.args.map(rewrite) };
    }
    case 'member':
      return e.target === undefined ? e : { ...e, target: rewrite(e.target) };
    case 'index':
      return { ...e, target: rewrite(e.target), index: rewrite(e.index) };
    case 'unary':
      return { ...e, operand: rewrite(e.operand) };
    case 'binary':
      return { ...e, left: rewrite(e.left), right: rewrite(e.right) };
    default:
      return e;
  }
}

/**
 * Makes an R4 expression evaluable by fhirpath.js, on its syntax tree:
 *  - `resolve() is X` becomes a check on the reference itself (reference-type.ts);
 *  - `as` (operator and function) becomes `ofType()`: R4 uses it as a filter
 *    over collections (`(Observation.component.value as Quantity)`), but
 *    fhirpath.js throws "Expected singleton on left side of 'as'" when there
 *    are several items; on a single item both mean the same;
 *  - capitalized FHIR primitive names in type tests are lower-cased.
 */
export function rewriteForFhirpath(expr: string): string {
  return printFhirPath(rewrite(parseFhirPath(expr)));
}

interface FhirpathNode {
  readonly data: unknown;
  readonly fhirNodeDataType: string | null;
}

/** fhirpath.js wraps decimal and integer data in FP_Decimal; rows want the JSON number. */
function plain(data: unknown): unknown {
  return data instanceof fhirpath.FP_Decimal ? data.toNumber() : data;
}

function isNode(x: unknown): x is FhirpathNode {
  return typeof x === 'object' && x !== null && 'fhirNodeDataType' in x && 'data' in x;
}

// Results that are not model nodes come from operators (`exists() and …`).
function jsType(v: unknown): string {
  switch (typeof v) {
    case 'boolean':
      return 'boolean';
    case 'number':
      return 'decimal';
    case 'string':
      return 'System.String';
    default:
      return '';
  }
}

/**
 * Compiles once; the returned evaluator keeps fhirpath.js nodes as focus
 * values so relative expressions (composite components) keep their type
 * context. Throws if fhirpath.js rejects the expression.
 *
 * Top-level union terms are compiled and evaluated separately and
 * concatenated (rows are deduplicated later anyway): fhirpath.js's `|`
 * compares items for equality, which throws on a Quantity with a comparator
 * and treats some distinct decimals (1e-22, 1e-245) as equal.
 */
export function compileFhirpath(expression: string): Evaluator {
  const fns = unionTerms(parseFhirPath(expression)).map((term) =>
    fhirpath.compile(printFhirPath(rewrite(term)), r4Model, { resolveInternalTypes: false }),
  );
  return (focus, resource) => {
    const res: TypedValue[] = [];
    for (const fn of fns) {
      for (const x of fn(focus, { resource }) as unknown[]) {
        const v = plain(isNode(x) ? x.data : x);
        res.push({ v, t: (isNode(x) ? x.fhirNodeDataType : null) ?? jsType(v), node: x });
      }
    }
    return res;
  };
}
