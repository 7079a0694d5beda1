import { invalidView, tooCostly } from './errors.js';
import { tokenize, type Token } from './fhirpath-lexer.js';
import { MAX_PATH_DEPTH, MAX_PATH_LENGTH, MAX_PATH_NESTING } from './view-limits.js';

/** FHIRPath syntax tree. `target` absent means "from the input focus" ($this at that point). */
export type Expr =
  | { type: 'literal'; kind: 'string' | 'boolean' | 'empty'; value: string | boolean | null }
  | { type: 'number'; text: string }
  | { type: 'datetime'; text: string }
  | { type: 'this' }
  | { type: 'env'; name: string }
  | { type: 'member'; target?: Expr; name: string }
  | { type: 'call'; target?: Expr; name: string; args: Expr[] }
  | { type: 'index'; target: Expr; index: Expr }
  | { type: 'unary'; op: '+' | '-'; operand: Expr }
  | { type: 'binary'; op: string; left: Expr; right: Expr }
  | { type: 'typeop'; op: 'is' | 'as'; operand: Expr; typeName: string };

/** Binary operators by precedence (FHIRPath §Operator precedence), loosest first. */
const LEVELS: string[][] = [
  ['implies'],
  ['or', 'xor'],
  ['and'],
  ['in', 'contains'],
  ['=', '~', '!=', '!~'],
  ['<', '>', '<=', '>='],
  ['|'],
  ['is', 'as'],
  ['+', '-', '&'],
  ['*', '/', 'div', 'mod'],
];
const WORD_OPERATORS = new Set(['implies', 'or', 'xor', 'and', 'in', 'contains', 'is', 'as', 'div', 'mod']);

export function parseFhirPath(src: string, at: string): Expr {
  if (typeof src !== 'string' || src.trim() === '') throw invalidView('FHIRPath expression must be a non-empty string', at);
  if (src.length > MAX_PATH_LENGTH) throw tooCostly(`A FHIRPath expression may have at most ${MAX_PATH_LENGTH} characters; this one has ${src.length}`, at);
  const tokens = tokenize(src, at);
  let p = 0;
  // Brackets recurse in this parser: bounded, so no expression can exhaust the stack.
  let nesting = 0;
  const nested = (): Expr => {
    if (++nesting > MAX_PATH_NESTING) throw tooCostly(`FHIRPath brackets may nest at most ${MAX_PATH_NESTING} deep`, at);
    const inner = binary(0);
    nesting--;
    return inner;
  };
  const peek = (): Token => tokens[p] as Token;
  const fail = (msg: string): never => {
    throw invalidView(`FHIRPath ${JSON.stringify(src)}: ${msg} at ${peek().pos}`, at);
  };
  const isOp = (v: string) => {
    const tok = peek();
    return (tok.t === 'op' && tok.v === v) || (tok.t === 'ident' && !tok.delimited && tok.v === v && WORD_OPERATORS.has(v));
  };
  const expect = (v: string) => {
    if (!isOp(v)) fail(`expected "${v}"`);
    p++;
  };

  const typeSpecifier = (): string => {
    const parts: string[] = [];
    do {
      const tok = peek();
      if (tok.t !== 'ident') fail('expected a type name');
      parts.push((tok as { v: string }).v);
      p++;
    } while (isOp('.') && (p++, true));
    return parts.join('.');
  };

  const binary = (level: number): Expr => {
    if (level >= LEVELS.length) return unary();
    let left = binary(level + 1);
    for (;;) {
      const op = (LEVELS[level] as string[]).find(isOp);
      if (!op) return left;
      p++;
      if (op === 'is' || op === 'as') left = { type: 'typeop', op, operand: left, typeName: typeSpecifier() };
      else left = { type: 'binary', op, left, right: binary(level + 1) };
    }
  };

  const unary = (): Expr => {
    if (isOp('-') || isOp('+')) {
      const op = (peek() as { v: '+' | '-' }).v;
      p++;
      return { type: 'unary', op, operand: unary() };
    }
    return postfix(term());
  };

  const invocation = (target: Expr | undefined): Expr => {
    const tok = peek();
    if (tok.t === 'special' && tok.v === 'this') {
      p++;
      return { type: 'this' };
    }
    if (tok.t !== 'ident') return fail('expected a name');
    p++;
    if (!tok.delimited && isOp('(')) {
      p++;
      const args: Expr[] = [];
      if (!isOp(')')) {
        do args.push(nested());
        while (isOp(',') && (p++, true));
      }
      expect(')');
      return { type: 'call', target, name: tok.v, args };
    }
    return { type: 'member', target, name: tok.v };
  };

  const postfix = (start: Expr): Expr => {
    let e = start;
    for (;;) {
      if (isOp('.')) {
        p++;
        e = invocation(e);
        if (e.type === 'this') fail('$this cannot follow "."');
      } else if (isOp('[')) {
        p++;
        const index = nested();
        expect(']');
        e = { type: 'index', target: e, index };
      } else return e;
    }
  };

  const term = (): Expr => {
    const tok = peek();
    switch (tok.t) {
      case 'string':
        p++;
        return { type: 'literal', kind: 'string', value: tok.v };
      case 'number':
        p++;
        if (peek().t === 'string') fail('quantity literals are not supported');
        return { type: 'number', text: tok.v };
      case 'datetime':
        p++;
        return { type: 'datetime', text: tok.v };
      case 'env':
        p++;
        return { type: 'env', name: tok.v };
      case 'special':
        if (tok.v !== 'this') fail(`$${tok.v} is not supported`);
        p++;
        return { type: 'this' };
      case 'ident':
        if (!tok.delimited && (tok.v === 'true' || tok.v === 'false')) {
          p++;
          return { type: 'literal', kind: 'boolean', value: tok.v === 'true' };
        }
        return invocation(undefined);
      case 'op':
        if (tok.v === '(') {
          p++;
          const inner = nested();
          expect(')');
          return inner;
        }
        if (tok.v === '{') {
          p++;
          expect('}');
          return { type: 'literal', kind: 'empty', value: null };
        }
        return fail(`unexpected "${tok.v}"`);
      default:
        return fail('unexpected end of expression');
    }
  };

  const tree = binary(0);
  if (peek().t !== 'eof') fail('unexpected text');
  if (depthOf(tree) > MAX_PATH_DEPTH) throw tooCostly(`A FHIRPath expression may nest at most ${MAX_PATH_DEPTH} steps deep`, at);
  return tree;
}

/** Depth of a syntax tree (a member chain is one level per step). */
function depthOf(e: Expr): number {
  const children: (Expr | undefined)[] = e.type === 'member' ? [e.target]
    : e.type === 'call' ? [e.target, ...e.args]
      : e.type === 'index' ? [e.target, e.index]
        : e.type === 'unary' || e.type === 'typeop' ? [e.operand]
          : e.type === 'binary' ? [e.left, e.right] : [];
  let deepest = 0;
  for (const c of children) if (c !== undefined) deepest = Math.max(deepest, depthOf(c));
  return 1 + deepest;
}
