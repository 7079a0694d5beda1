/**
 * Syntax tree -> FHIRPath text that parses back to the same tree (test/fhirpath checks it on every
 * R4 search expression). fhirpath.js compiles text only, so a tree rewritten for it
 * (src/fhir/indexing/fhirpath-engine.ts) is printed. Parentheses are added only where the
 * grammar's precedence needs them.
 */
import type { BinaryOp, Expr } from './ast.js';

/** Binding strength, tightest highest (the order of the grammar's `expression` alternatives). */
const BINARY_LEVEL: Readonly<Record<BinaryOp, number>> = {
  '*': 9, '/': 9, div: 9, mod: 9,
  '+': 8, '-': 8, '&': 8,
  '|': 6,
  '<=': 5, '<': 5, '>': 5, '>=': 5,
  '=': 4, '~': 4, '!=': 4, '!~': 4,
  in: 3, contains: 3,
  and: 2,
  or: 1, xor: 1,
  implies: 0,
};
const TYPE_LEVEL = 7;
const UNARY_LEVEL = 10;
const POSTFIX_LEVEL = 11;

function levelOf(e: Expr): number {
  switch (e.type) {
    case 'binary':
      return BINARY_LEVEL[e.op];
    case 'typeop':
      return TYPE_LEVEL;
    case 'unary':
      return UNARY_LEVEL;
    case 'number':
    case 'quantity':
      // `1.x` would lex as a decimal: a number before a dot is bracketed.
      return UNARY_LEVEL;
    default:
      return POSTFIX_LEVEL;
  }
}

const PLAIN_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Words the grammar reads as something other than a name where a name can start a term. */
const RESERVED = new Set(['true', 'false', 'and', 'or', 'xor', 'implies', 'div', 'mod', 'is', 'as', 'in', 'contains']);

function quote(text: string, q: "'" | '`'): string {
  const escaped = text.replace(/[\\'`\n\r\t\f]/g, (c) => {
    if (c === '\n') return '\\n';
    if (c === '\r') return '\\r';
    if (c === '\t') return '\\t';
    if (c === '\f') return '\\f';
    return c === q || c === '\\' ? `\\${c}` : c;
  });
  return `${q}${escaped}${q}`;
}

function name(text: string): string {
  return PLAIN_IDENTIFIER.test(text) && !RESERVED.has(text) ? text : quote(text, '`');
}

function at(e: Expr, min: number): string {
  const text = printFhirPath(e);
  return levelOf(e) < min ? `(${text})` : text;
}

function withTarget(target: Expr | undefined, rest: string): string {
  return target === undefined ? rest : `${at(target, POSTFIX_LEVEL)}.${rest}`;
}

export function printFhirPath(e: Expr): string {
  switch (e.type) {
    case 'literal':
      if (e.kind === 'string') return quote(e.value, "'");
      if (e.kind === 'boolean') return String(e.value);
      return '{}';
    case 'number':
      return e.text;
    case 'quantity':
      if (e.unit === undefined) return e.value;
      return `${e.value} ${e.calendar ? e.unit : quote(e.unit, "'")}`;
    case 'datetime':
      return `@${e.text}`;
    case 'this':
      return '$this';
    case 'variable':
      return `$${e.name}`;
    case 'env':
      return PLAIN_IDENTIFIER.test(e.name) ? `%${e.name}` : `%${quote(e.name, '`')}`;
    case 'member':
      return withTarget(e.target, name(e.name));
    case 'call':
      // Function names are identifiers followed by `(`: `as(`, `is(` and `contains(` parse as calls.
      return withTarget(e.target, `${PLAIN_IDENTIFIER.test(e.name) ? e.name : quote(e.name, '`')}(${e.args.map(printFhirPath).join(', ')})`);
    case 'index':
      return `${at(e.target, POSTFIX_LEVEL)}[${printFhirPath(e.index)}]`;
    case 'unary':
      return `${e.op}${at(e.operand, UNARY_LEVEL)}`;
    case 'typeop':
      return `${at(e.operand, TYPE_LEVEL)} ${e.op} ${e.typeName}`;
    case 'binary': {
      const level = BINARY_LEVEL[e.op];
      // Left-associative: the right operand needs brackets at the same level.
      return `${at(e.left, level)} ${e.op} ${at(e.right, level + 1)}`;
    }
  }
}
