/**
 * Splitting of multi-base SearchParameter expressions. R4 writes one
 * expression for all bases (`AllergyIntolerance.patient | CarePlan.subject…`);
 * each resource type should only evaluate its own part.
 */

/** Splits on `sep` where it is not nested in (), [] or a '…' string literal. */
export function splitTopLevel(expr: string, sep: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < expr.length; i++) {
    const c = expr[i];
    if (c === "'") {
      i = skipString(expr, i);
    } else if (c === '(' || c === '[') {
      depth++;
    } else if (c === ')' || c === ']') {
      depth--;
    } else if (depth === 0 && expr.startsWith(sep, i)) {
      parts.push(expr.slice(start, i).trim());
      start = i + sep.length;
      i = start - 1;
    }
  }
  parts.push(expr.slice(start).trim());
  return parts.filter((p) => p !== '');
}

/** Index of the closing quote of the string literal opened at `open`. */
export function skipString(expr: string, open: number): number {
  for (let i = open + 1; i < expr.length; i++) {
    if (expr[i] === '\\') i++;
    else if (expr[i] === "'") return i;
  }
  return expr.length;
}

/** The leading identifier of a union part, ignoring opening parentheses. */
function leadingIdentifier(part: string): string | undefined {
  return /^\(*\s*([A-Za-z_][A-Za-z0-9_]*)/.exec(part)?.[1];
}

/** Type names in FHIRPath start upper-case; element names start lower-case. */
function isTypeName(name: string): boolean {
  return /^[A-Z]/.test(name);
}

/**
 * The parts of `expr` that apply to `resourceType`, joined back with `|`, or
 * null when none does. Parts rooted at `Resource`/`DomainResource` apply to
 * every type; parts without a type root (InsurancePlan `name | alias`) are
 * relative to the resource and apply to every base.
 */
export function narrowExpression(expr: string, resourceType: string): string | null {
  const kept = splitTopLevel(expr, '|').filter((part) => {
    const root = leadingIdentifier(part);
    if (root === undefined || !isTypeName(root)) return true;
    return root === resourceType || root === 'Resource' || root === 'DomainResource';
  });
  return kept.length > 0 ? kept.join(' | ') : null;
}
