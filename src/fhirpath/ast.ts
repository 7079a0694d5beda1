/**
 * The one FHIRPath syntax tree of the project, adapted from the official grammar's parse tree
 * (`fhirpath.parse()`, parse.ts). Its users: the index accessor compiler and the fhirpath.js
 * rewrites (src/fhir/indexing), expression narrowing (narrow.ts) and the SQL on FHIR compiler
 * (src/analytics). `target` absent means "from the input focus" ($this at that point).
 */
export type Expr =
  | { readonly type: 'literal'; readonly kind: 'string'; readonly value: string }
  | { readonly type: 'literal'; readonly kind: 'boolean'; readonly value: boolean }
  | { readonly type: 'literal'; readonly kind: 'empty'; readonly value: null }
  | { readonly type: 'number'; readonly text: string }
  /** `5 'mg'`, `3 days`: `unit` is the UCUM text or the calendar word. */
  | { readonly type: 'quantity'; readonly value: string; readonly unit: string | undefined; readonly calendar: boolean }
  /** `@2020-01-01`, `@2020-01-01T10:00:00Z`, `@T12:30` without the `@`. */
  | { readonly type: 'datetime'; readonly text: string }
  | { readonly type: 'this' }
  | { readonly type: 'variable'; readonly name: 'index' | 'total' }
  | { readonly type: 'env'; readonly name: string }
  | { readonly type: 'member'; readonly target?: Expr; readonly name: string }
  | { readonly type: 'call'; readonly target?: Expr; readonly name: string; readonly args: readonly Expr[] }
  | { readonly type: 'index'; readonly target: Expr; readonly index: Expr }
  | { readonly type: 'unary'; readonly op: '+' | '-'; readonly operand: Expr }
  | { readonly type: 'binary'; readonly op: BinaryOp; readonly left: Expr; readonly right: Expr }
  | { readonly type: 'typeop'; readonly op: 'is' | 'as'; readonly operand: Expr; readonly typeName: string };

export type BinaryOp =
  | '*' | '/' | 'div' | 'mod'
  | '+' | '-' | '&'
  | '|'
  | '<=' | '<' | '>' | '>='
  | '=' | '~' | '!=' | '!~'
  | 'in' | 'contains'
  | 'and'
  | 'or' | 'xor'
  | 'implies';

export type ExprOf<T extends Expr['type']> = Extract<Expr, { type: T }>;

/** The terms of the union at the top of `e`, left to right; `|` is associative, so a bracketed union inside one is split too. */
export function unionTerms(e: Expr): Expr[] {
  if (e.type !== 'binary' || e.op !== '|') return [e];
  return [...unionTerms(e.left), ...unionTerms(e.right)];
}

/** The direct subexpressions of `e`. */
export function childrenOf(e: Expr): Expr[] {
  switch (e.type) {
    case 'member':
      return e.target === undefined ? [] : [e.target];
    case 'call':
      return e.target === undefined ? [...e.args] : [e.target, ...e.args];
    case 'index':
      return [e.target, e.index];
    case 'unary':
    case 'typeop':
      return [e.operand];
    case 'binary':
      return [e.left, e.right];
    default:
      return [];
  }
}

/** Depth of a syntax tree (a member chain is one level per step). */
export function depthOf(e: Expr): number {
  let deepest = 0;
  for (const c of childrenOf(e)) deepest = Math.max(deepest, depthOf(c));
  return 1 + deepest;
}
