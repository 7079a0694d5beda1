import { invalidView } from './errors.js';

/*
 * Quoting for generated SQL. The compiler emits one SQL text with no bound parameters (so the
 * text can be run as is, saved as a view, or shown), which makes every value from the view
 * definition a literal: these helpers are the only way such values enter the text.
 */

/** Rejects text PostgreSQL cannot hold (NUL) before it reaches a literal or identifier. */
function assertNoNul(text: string, what: string): void {
  if (text.includes('\u0000')) throw invalidView(`${what} must not contain a NUL character`);
}

/**
 * A SQL string literal for any text, safe under either setting of standard_conforming_strings:
 * quotes are doubled, and text with a backslash uses the E'' form with backslashes doubled
 * (what PostgreSQL's own quote_literal does).
 */
export function literal(text: string): string {
  assertNoNul(text, 'a string value');
  const quoted = text.replace(/'/g, "''");
  if (!quoted.includes('\\')) return `'${quoted}'`;
  return `E'${quoted.replace(/\\/g, '\\\\')}'`;
}

/** A quoted SQL identifier ("double quotes doubled"); case is kept. */
export function quoteIdent(name: string): string {
  assertNoNul(name, 'an identifier');
  if (name.length === 0) throw invalidView('an identifier must not be empty');
  return `"${name.replace(/"/g, '""')}"`;
}

/** A jsonb literal for a JSON value: `'<json text>'::jsonb`. */
export function jsonbLiteral(value: unknown): string {
  const text = JSON.stringify(value);
  if (text === undefined) throw invalidView('value is not representable as JSON');
  // JSON.stringify writes NUL as \u0000, which jsonb refuses: reject it here, with the others.
  if (/(?<!\\)(?:\\\\)*\\u0000/.test(text)) throw invalidView('a string value must not contain a NUL character');
  return `${literal(text)}::jsonb`;
}

/** A jsonb literal from JSON text kept verbatim (e.g. a number token `1.50`, keeping its scale). */
export function jsonbFromText(jsonText: string): string {
  return `${literal(jsonText)}::jsonb`;
}

/** A jsonpath literal: `'<path>'::jsonpath`. */
export function jsonpathLiteral(path: string): string {
  return `${literal(path)}::jsonpath`;
}

/**
 * A string inside a jsonpath expression (member names, filter constants). jsonpath strings use
 * JSON's escapes, which JSON.stringify produces; the result then goes through literal().
 */
export function jsonpathString(text: string): string {
  assertNoNul(text, 'a string value');
  return JSON.stringify(text);
}

/** The spec's pattern for column and constant names (ViewDefinition `name` invariants). */
export const NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_]*$/;

/** PostgreSQL truncates identifiers past 63 bytes, which would rename the column silently. */
export const MAX_IDENTIFIER_BYTES = 63;

export function validateName(name: unknown, what: string, at: string): string {
  if (typeof name !== 'string' || !NAME_PATTERN.test(name)) {
    throw invalidView(`${what} ${JSON.stringify(name)} must match ${NAME_PATTERN.source}`, at);
  }
  if (Buffer.byteLength(name, 'utf8') > MAX_IDENTIFIER_BYTES) {
    throw invalidView(`${what} "${name}" is longer than ${MAX_IDENTIFIER_BYTES} characters`, at);
  }
  return name;
}

/**
 * The relation to read: a parenthesised subquery is taken as is (it must come from code, never
 * from a request); anything else must be a plain or schema-qualified table name and is quoted.
 */
export function relationText(from: string): string {
  const trimmed = from.trim();
  if (trimmed.startsWith('(')) {
    assertNoNul(trimmed, 'the source relation');
    return trimmed;
  }
  const parts = trimmed.split('.');
  for (const part of parts) {
    if (!/^[A-Za-z_][A-Za-z0-9_$]*$/.test(part)) {
      throw invalidView(`source relation ${JSON.stringify(from)} is neither a table name nor a (subquery)`);
    }
  }
  return parts.map(quoteIdent).join('.');
}
