import { depthOf, type Expr } from '../fhirpath/ast.js';
import { FhirPathSyntaxError, FhirPathTooDeepError, parseFhirPath } from '../fhirpath/parse.js';
import { invalidView, tooCostly } from './errors.js';
import { MAX_PATH_DEPTH, MAX_PATH_LENGTH, MAX_PATH_NESTING } from './view-limits.js';

export type { Expr } from '../fhirpath/ast.js';

/**
 * What a path costs the parser, read before it runs: how deep its brackets nest (parentheses,
 * function arguments, indexes) and how many binary operators it has. The grammar's parser
 * recurses once per bracket and spends about a millisecond per operator (measured on fhirpath.js
 * 5.2), so both are bounded first. Strings, quoted names and comments are skipped.
 */
function preScan(src: string): { nesting: number; operators: number; calls: number } {
  let calls = 0;
  let depth = 0;
  let nesting = 0;
  let operators = 0;
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (c === "'" || c === '`') {
      for (i++; i < src.length && src[i] !== c; i++) if (src[i] === '\\') i++;
    } else if (c === '/' && src[i + 1] === '*') {
      const end = src.indexOf('*/', i + 2);
      i = end < 0 ? src.length : end + 1;
    } else if (c === '/' && src[i + 1] === '/') {
      while (i < src.length && src[i] !== '\n') i++;
    } else if (c === '(' || c === '[') {
      depth++;
      if (c === '(') calls++;
      continue;
    } else if (c === ')' || c === ']') {
      depth--;
      continue;
    } else if (c !== undefined && /[-+*/&|<>=~]/.test(c)) {
      operators++;
    } else if (c !== undefined && /[a-z]/.test(c) && !/[A-Za-z0-9_.]/.test(src[i - 1] ?? '')) {
      const word = /^(?:and|or|xor|implies|in|contains|div|mod|is|as)\b/.exec(src.slice(i, i + 8));
      if (word) operators++;
    }
    if (c !== undefined && !/\s/.test(c)) nesting = Math.max(nesting, depth);
  }
  return { nesting, operators, calls };
}

/**
 * A ViewDefinition path as a syntax tree, within the caps of view-limits.ts (400 invalid, 422
 * too-costly). `chargeParse` counts what parsing it costs against the view's budget, before it runs.
 */
export function parseViewPath(src: string, at: string, chargeParse: (cost: number, at: string) => void): Expr {
  if (typeof src !== 'string' || src.trim() === '') throw invalidView('FHIRPath expression must be a non-empty string', at);
  if (src.length > MAX_PATH_LENGTH) throw tooCostly(`A FHIRPath expression may have at most ${MAX_PATH_LENGTH} characters; this one has ${src.length}`, at);
  const { nesting, operators, calls } = preScan(src);
  if (nesting > MAX_PATH_NESTING) throw tooCostly(`FHIRPath brackets may nest at most ${MAX_PATH_NESTING} deep`, at);
  // A chain of n operators is n + 1 levels deep: more operators than the depth cap is refused
  // before the parser spends its time on them.
  if (operators > MAX_PATH_DEPTH) throw tooCostly(`A FHIRPath expression may nest at most ${MAX_PATH_DEPTH} steps deep (it has ${operators} operators)`, at);
  chargeParse(operators + calls, at);
  let tree: Expr;
  try {
    tree = parseFhirPath(src);
  } catch (err) {
    if (err instanceof FhirPathTooDeepError) throw tooCostly(`FHIRPath brackets may nest at most ${MAX_PATH_NESTING} deep`, at);
    if (err instanceof FhirPathSyntaxError) throw invalidView(`FHIRPath ${JSON.stringify(src)}: ${err.message}`, at);
    throw err;
  }
  if (depthOf(tree) > MAX_PATH_DEPTH) throw tooCostly(`A FHIRPath expression may nest at most ${MAX_PATH_DEPTH} steps deep`, at);
  return tree;
}
