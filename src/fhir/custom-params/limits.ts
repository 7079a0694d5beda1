import { childrenOf, type Expr } from '../../fhirpath/ast.js';
import { FhirError } from '../../core/errors.js';

/*
 * What one stored SearchParameter may cost. Its expression is evaluated on every write of its
 * base types in the tenant (the event loop every tenant shares), and parsed once per process: so
 * the text, its parse and its evaluation are bounded when it is written, never when it is used.
 */

/** Characters of the expression (R4's longest single-base expressions are under 200). */
export const MAX_EXPRESSION_LENGTH = 256;
/** Brackets nested in the text, checked before the grammar's parser recurses into them. */
export const MAX_EXPRESSION_NESTING = 8;
/** Nodes of its syntax tree: each is work per written resource. */
export const MAX_EXPRESSION_NODES = 48;
/** Active stored parameters of one scope (a tenant, or the shared set): each is evaluated on every write of its bases. */
export const MAX_PARAMS_PER_SCOPE = 50;

/**
 * Functions whose cost is linear in what they are given. Left out: descendants/repeat (walk a
 * whole resource per step), aggregate, regular expressions (matches, replaceMatches: backtracking
 * on a tenant's data), terminology and resolve() (other than `resolve() is Type`, which the
 * indexer rewrites into a check of the reference's type).
 */
const CHEAP_FUNCTIONS = new Set([
  'where', 'exists', 'empty', 'first', 'last', 'single', 'tail', 'skip', 'take', 'not', 'hasValue',
  'ofType', 'as', 'is', 'extension', 'select', 'distinct', 'count', 'allTrue', 'anyTrue',
  'startsWith', 'endsWith', 'contains', 'lower', 'upper', 'trim', 'substring', 'toString', 'getValue',
]);

/** Operators whose result can be larger than their operands together (string concatenation, and + on strings). */
const GROWING_OPERATORS: ReadonlySet<string> = new Set(['+', '&']);

export function tooCostly(message: string): FhirError {
  return new FhirError(400, 'too-costly', message, { expression: ['SearchParameter.expression'] });
}

/** The text's caps, before it is parsed. Quoted strings do not count as brackets. */
export function checkText(text: string): void {
  if (text.length > MAX_EXPRESSION_LENGTH) {
    throw tooCostly(`SearchParameter.expression may have at most ${MAX_EXPRESSION_LENGTH} characters; this one has ${text.length}`);
  }
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "'" || c === '`') {
      for (i++; i < text.length && text[i] !== c; i++) if (text[i] === '\\') i++;
    } else if (c === '(' || c === '[') {
      if (++depth > MAX_EXPRESSION_NESTING) throw tooCostly(`SearchParameter.expression may nest brackets at most ${MAX_EXPRESSION_NESTING} deep`);
    } else if (c === ')' || c === ']') {
      depth--;
    }
  }
}

/** The tree's caps: its size and the functions it calls. */
export function checkTree(tree: Expr): void {
  let nodes = 0;
  const visit = (e: Expr, parent: Expr | undefined): void => {
    nodes++;
    // %resource / %context reach the whole resource from inside select() or where(): each step
    // can multiply the collection by the resource's size (name.select(%resource.name)...).
    if (e.type === 'env') throw tooCostly(`SearchParameter.expression may not use %${e.name}`);
    // String concatenation doubles a value per step (select($this + $this)...): megabytes per write.
    if (e.type === 'binary' && GROWING_OPERATORS.has(e.op)) throw tooCostly(`SearchParameter.expression may not use the ${e.op} operator`);
    if (e.type === 'call' && !CHEAP_FUNCTIONS.has(e.name)) {
      const typeTest = e.name === 'resolve' && parent?.type === 'typeop' && parent.op === 'is';
      if (!typeTest) throw tooCostly(`SearchParameter.expression may not call ${e.name}() (allowed: ${[...CHEAP_FUNCTIONS].join(', ')}, and resolve() is Type)`);
    }
    for (const c of childrenOf(e)) visit(c, e);
  };
  visit(tree, undefined);
  if (nodes > MAX_EXPRESSION_NODES) throw tooCostly(`SearchParameter.expression may have at most ${MAX_EXPRESSION_NODES} steps and operators; this one has ${nodes}`);
}
