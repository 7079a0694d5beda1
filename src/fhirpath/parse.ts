/**
 * FHIRPath text -> typed syntax tree (ast.ts), on the official ANTLR grammar that fhirpath.js
 * ships (`fhirpath.parse()`), so what the project parses is what fhirpath.js evaluates.
 * Parsing happens when a plan, a narrowed definition or a view is compiled, never per resource;
 * results are cached per text.
 */
import fhirpath from 'fhirpath';
import type { BinaryOp, Expr } from './ast.js';

/** The text is not FHIRPath (or uses a form the tree does not model, e.g. instance selectors). */
export class FhirPathSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FhirPathSyntaxError';
  }
}

/** The grammar recurses per nesting level: a text nested past what the stack holds is refused. */
export class FhirPathTooDeepError extends Error {
  constructor() {
    super('the expression nests too deep to parse');
    this.name = 'FhirPathTooDeepError';
  }
}

/** A node of fhirpath.js's parse tree (parser/custom-listeners.js), as far as it is read here. */
interface RawNode {
  readonly type: string;
  readonly text?: string;
  readonly delimitedText?: string;
  readonly value?: string;
  readonly unit?: string;
  readonly direction?: string;
  readonly children: readonly RawNode[];
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null;
}

function optionalString(x: unknown): string | undefined {
  return typeof x === 'string' ? x : undefined;
}

function toRaw(x: unknown): RawNode {
  if (!isRecord(x) || typeof x.type !== 'string') throw new FhirPathSyntaxError('unexpected parse tree');
  const children = Array.isArray(x.children) ? x.children.map(toRaw) : [];
  return {
    type: x.type,
    text: optionalString(x.text),
    delimitedText: optionalString(x.delimitedText),
    value: optionalString(x.value),
    unit: optionalString(x.unit),
    direction: optionalString(x.direction),
    children,
  };
}

const ESCAPES: Readonly<Record<string, string>> = {
  "'": "'", '"': '"', '`': '`', '\\': '\\', '/': '/', f: '\f', n: '\n', r: '\r', t: '\t',
};

/** The characters of a quoted STRING or DELIMITEDIDENTIFIER token, escapes resolved. */
export function unquote(token: string): string {
  const body = token.slice(1, -1);
  return body.replace(/\\(u[0-9a-fA-F]{4}|.)/g, (_, e: string) =>
    e.length === 5 ? String.fromCharCode(parseInt(e.slice(1), 16)) : (ESCAPES[e] ?? e),
  );
}

function identifier(text: string): string {
  return text.startsWith('`') ? unquote(text) : text;
}

function only(n: RawNode): RawNode {
  const [c] = n.children;
  if (c === undefined) throw new FhirPathSyntaxError(`empty ${n.type}`);
  return c;
}

function pair(n: RawNode): [RawNode, RawNode] {
  const [a, b] = n.children;
  if (a === undefined || b === undefined) throw new FhirPathSyntaxError(`incomplete ${n.type}`);
  return [a, b];
}

const BINARY: ReadonlySet<string> = new Set([
  'MultiplicativeExpression', 'AdditiveExpression', 'UnionExpression', 'InequalityExpression',
  'EqualityExpression', 'MembershipExpression', 'AndExpression', 'OrExpression', 'ImpliesExpression',
]);
const BINARY_OPS: ReadonlySet<string> = new Set([
  '*', '/', 'div', 'mod', '+', '-', '&', '|', '<=', '<', '>', '>=', '=', '~', '!=', '!~', 'in', 'contains', 'and', 'or', 'xor', 'implies',
]);

function isBinaryOp(op: string | undefined): op is BinaryOp {
  return op !== undefined && BINARY_OPS.has(op);
}

function typeName(spec: RawNode): string {
  return only(spec).children.map((i) => identifier(i.text ?? '')).join('.');
}

function expression(n: RawNode): Expr {
  if (BINARY.has(n.type)) {
    const [l, r] = pair(n);
    if (!isBinaryOp(n.text)) throw new FhirPathSyntaxError(`unknown operator ${n.text ?? ''}`);
    return { type: 'binary', op: n.text, left: expression(l), right: expression(r) };
  }
  switch (n.type) {
    case 'TermExpression':
      return term(only(n));
    case 'InvocationExpression': {
      const [target, inv] = pair(n);
      return invocation(inv, expression(target));
    }
    case 'IndexerExpression': {
      const [target, index] = pair(n);
      return { type: 'index', target: expression(target), index: expression(index) };
    }
    case 'PolarityExpression': {
      if (n.text !== '+' && n.text !== '-') throw new FhirPathSyntaxError(`unknown sign ${n.text ?? ''}`);
      return { type: 'unary', op: n.text, operand: expression(only(n)) };
    }
    case 'TypeExpression': {
      const [operand, spec] = pair(n);
      if (n.text !== 'is' && n.text !== 'as') throw new FhirPathSyntaxError(`unknown type operator ${n.text ?? ''}`);
      return { type: 'typeop', op: n.text, operand: expression(operand), typeName: typeName(spec) };
    }
    default:
      throw new FhirPathSyntaxError(`${n.type} is not supported`);
  }
}

function term(n: RawNode): Expr {
  switch (n.type) {
    case 'InvocationTerm':
      return invocation(only(n), undefined);
    case 'LiteralTerm':
      return literal(only(n));
    case 'ExternalConstantTerm': {
      const d = n.delimitedText;
      const name = d === undefined ? (n.text ?? '') : d.startsWith("'") ? unquote(d) : d;
      return { type: 'env', name };
    }
    case 'ParenthesizedTerm':
      return expression(only(n));
    default:
      throw new FhirPathSyntaxError(`${n.type === 'InstanceSelectorTerm' ? 'instance selectors' : n.type} not supported`);
  }
}

const CALENDAR_UNITS = /^(year|month|week|day|hour|minute|second|millisecond)s?$/;

function literal(n: RawNode): Expr {
  const text = n.text ?? '';
  switch (n.type) {
    case 'NullLiteral':
      return { type: 'literal', kind: 'empty', value: null };
    case 'BooleanLiteral':
      return { type: 'literal', kind: 'boolean', value: text === 'true' };
    case 'StringLiteral':
      return { type: 'literal', kind: 'string', value: unquote(text) };
    case 'NumberLiteral':
      return { type: 'number', text };
    case 'DateLiteral':
    case 'DateTimeLiteral':
    case 'TimeLiteral':
      return { type: 'datetime', text: text.slice(1) };
    case 'QuantityLiteral': {
      const unit = n.unit;
      const calendar = unit !== undefined && CALENDAR_UNITS.test(unit);
      return { type: 'quantity', value: n.value ?? '', unit: unit === undefined || calendar ? unit : unquote(unit), calendar };
    }
    default:
      throw new FhirPathSyntaxError(`${n.type === 'LongNumberLiteral' ? 'long number literals are' : `${n.type} is`} not supported`);
  }
}

function invocation(n: RawNode, target: Expr | undefined): Expr {
  switch (n.type) {
    case 'MemberInvocation':
      return { type: 'member', target, name: identifier(n.text ?? '') };
    case 'FunctionInvocation': {
      const fn = only(n);
      const [name, params] = fn.children;
      const args = (params?.children ?? []).map((a) => {
        if (a.type !== 'SortDirectionArgument') return expression(a);
        if (a.direction !== undefined) throw new FhirPathSyntaxError('sort directions are not supported');
        return expression(only(a));
      });
      return { type: 'call', target, name: identifier(name?.text ?? fn.text ?? ''), args };
    }
    case 'ThisInvocation':
    case 'IndexInvocation':
    case 'TotalInvocation':
      if (target !== undefined) throw new FhirPathSyntaxError(`${n.type === 'ThisInvocation' ? '$this' : 'a $ variable'} cannot follow "."`);
      return n.type === 'ThisInvocation' ? { type: 'this' } : { type: 'variable', name: n.type === 'IndexInvocation' ? 'index' : 'total' };
    default:
      throw new FhirPathSyntaxError(`${n.type} is not supported`);
  }
}

/** The messages of fhirpath.js's parse error, without its parser internals. */
function syntaxMessage(err: unknown): string {
  if (isRecord(err) && Array.isArray(err.errors)) {
    const parts = err.errors.map((e: unknown) =>
      Array.isArray(e) ? `${String(e[4])} at line ${String(e[2])}, column ${String(e[3])}` : 'syntax error',
    );
    if (parts.length > 0) return parts.join('; ');
  }
  return 'syntax error';
}

function parseUncached(text: string): Expr {
  let tree: unknown;
  try {
    tree = fhirpath.parse(text);
  } catch (err) {
    if (err instanceof RangeError) throw new FhirPathTooDeepError();
    throw new FhirPathSyntaxError(syntaxMessage(err));
  }
  // EntireExpression wraps EntireExpression wraps the expression.
  let root = toRaw(tree);
  while (root.type === 'EntireExpression') root = only(root);
  try {
    return expression(root);
  } catch (err) {
    if (err instanceof RangeError) throw new FhirPathTooDeepError();
    throw err;
  }
}

// Search definitions are a fixed set; view paths come from callers (any tenant), so the cache is
// bounded by the text it holds, not only by entries: a tree takes tens of bytes per character.
// Long texts are parsed each time (they are rare, and a view's own cap bounds their cost).
const MAX_CACHED_TEXT = 1_000_000;
const MAX_CACHED_LENGTH = 1_024;
const cache = new Map<string, Expr>();
let cachedText = 0;

/** Parses `text` (cached), or throws FhirPathSyntaxError / FhirPathTooDeepError. */
export function parseFhirPath(text: string): Expr {
  const hit = cache.get(text);
  if (hit !== undefined) return hit;
  const tree = parseUncached(text);
  if (text.length > MAX_CACHED_LENGTH) return tree;
  if (cachedText + text.length > MAX_CACHED_TEXT) {
    cache.clear();
    cachedText = 0;
  }
  cache.set(text, tree);
  cachedText += text.length;
  return tree;
}
