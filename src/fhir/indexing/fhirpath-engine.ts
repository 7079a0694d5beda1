/**
 * The general evaluator: HL7's fhirpath.js with the R4 model. Used for
 * expressions the fast accessor compiler does not handle, and as the
 * reference implementation the fast path is tested against.
 */
import fhirpath from 'fhirpath';
import { splitTopLevel } from '../../fhirpath/expression-split.js';
import { fhirTypeName, r4Model } from '../../fhirpath/r4-model.js';
import { referenceIsTypePredicate } from './reference-type.js';
import type { TypedValue } from './typed-value.js';

/** Evaluates against one focus; `resource` is the enclosing resource (`%resource`). */
export type Evaluator = (focus: unknown, resource: unknown) => TypedValue[];

/**
 * Makes an R4 expression evaluable by fhirpath.js:
 *  - `resolve() is X` becomes a check on the reference itself (reference-type.ts);
 *  - `as` (operator and function) becomes `ofType()`: R4 uses it as a filter
 *    over collections (`(Observation.component.value as Quantity)`), but
 *    fhirpath.js throws "Expected singleton on left side of 'as'" when there
 *    are several items; on a single item both mean the same;
 *  - capitalized FHIR primitive names in type tests are lower-cased.
 */
export function rewriteForFhirpath(expr: string): string {
  return expr
    .replace(/resolve\(\)\s+is\s+([A-Za-z]+)/g, (_, type: string) => referenceIsTypePredicate(type))
    .replace(/\(\s*([A-Za-z_][A-Za-z0-9_.]*)\s+as\s+([A-Za-z]+)\s*\)/g, '($1.ofType($2))')
    .replace(/\.as\(/g, '.ofType(')
    .replace(/\b(as|ofType|is)(\(\s*|\s+)([A-Z][A-Za-z]+)\b/g, (_, op: string, sep: string, type: string) => {
      return `${op}${sep}${fhirTypeName(type)}`;
    });
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
  const fns = splitTopLevel(expression, '|').map((term) =>
    fhirpath.compile(rewriteForFhirpath(term), r4Model, { resolveInternalTypes: false }),
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
