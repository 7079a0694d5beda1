/**
 * Narrowing of multi-base SearchParameter expressions. R4 writes one
 * expression for all bases (`AllergyIntolerance.patient | CarePlan.subject…`);
 * each resource type should only evaluate its own part.
 */
import { unionTerms, type Expr } from './ast.js';
import { parseFhirPath } from './parse.js';
import { printFhirPath } from './print.js';

/** The name a term starts with (`Observation` in `(Observation.value as Quantity)`), if any. */
function leadingName(e: Expr): string | undefined {
  switch (e.type) {
    case 'member':
      return e.target === undefined ? e.name : leadingName(e.target);
    case 'call':
      return e.target === undefined ? undefined : leadingName(e.target);
    case 'index':
      return leadingName(e.target);
    case 'typeop':
      return leadingName(e.operand);
    case 'binary':
      return leadingName(e.left);
    default:
      return undefined;
  }
}

/** Type names in FHIRPath start upper-case; element names start lower-case. */
function isTypeName(name: string): boolean {
  return /^[A-Z]/.test(name);
}

/** The terms of a union joined back with `|`, left-associative as the grammar reads them. */
export function unionOf(terms: readonly Expr[]): Expr | null {
  let out: Expr | null = null;
  for (const t of terms) out = out === null ? t : { type: 'binary', op: '|', left: out, right: t };
  return out;
}

/**
 * The terms of `expr`'s top-level union that apply to `resourceType`, as one
 * expression, or null when none does. Terms rooted at `Resource`/`DomainResource`
 * apply to every type; terms without a type root (InsurancePlan `name | alias`)
 * are relative to the resource and apply to every base.
 */
export function narrowTree(expr: Expr, resourceType: string): Expr | null {
  return unionOf(unionTerms(expr).filter((term) => {
    const root = leadingName(term);
    if (root === undefined || !isTypeName(root)) return true;
    return root === resourceType || root === 'Resource' || root === 'DomainResource';
  }));
}

/** narrowTree over text: the narrowed expression printed back, or null. */
export function narrowExpression(expr: string, resourceType: string): string | null {
  const tree = narrowTree(parseFhirPath(expr), resourceType);
  return tree === null ? null : printFhirPath(tree);
}
