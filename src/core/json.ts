import { FhirError } from './errors.js';

export type Json = null | boolean | number | string | Json[] | JsonObject;
export interface JsonObject {
  [key: string]: Json | undefined;
}

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** Bytes as UTF-8 (RFC 8259 §8.1): 400 for bytes that are not, where a lenient decoder would store U+FFFD. */
export function decodeUtf8(bytes: ArrayBuffer | Uint8Array, what: string): string {
  try {
    return UTF8.decode(bytes);
  } catch {
    throw FhirError.badRequest(`${what} is not valid UTF-8`);
  }
}

/** JSON text checked by assertJsonText, then parsed: the one place a request's JSON is parsed. */
export function parseJsonText(text: string, maxDepth: number, what: string): unknown {
  assertJsonText(text, maxDepth);
  try {
    return JSON.parse(text);
  } catch {
    throw FhirError.badRequest(`${what} is not valid JSON`);
  }
}

/**
 * Checks JSON text before anything parses it, in one pass without recursion:
 * - 413 when objects and arrays nest deeper than `max`. JSON.parse copes with any depth, but
 *   validation, index extraction and reference rewriting walk the parsed value recursively, and a
 *   body nested a few thousand levels deep would overflow their stack (a 500) instead of being refused;
 * - 400 for a string escape that no stored JSON can hold: `\u0000` (PostgreSQL's jsonb refuses it,
 *   and R4 strings exclude control characters) or half of a surrogate pair (not a character).
 */
export function assertJsonText(text: string, max: number): void {
  let depth = 0;
  // Position of the next backslash at or after the one last looked at (-1: none left).
  let backslash = text.indexOf('\\');
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // A string: jump to its closing quote with indexOf (most of a body is strings), through
      // the escapes before it, each checked.
      let from = i + 1;
      for (;;) {
        const quote = text.indexOf('"', from);
        if (quote < 0) return; // unterminated: JSON.parse will say so
        if (backslash !== -1 && backslash < from) backslash = text.indexOf('\\', from);
        if (backslash !== -1 && backslash < quote) {
          from = escapeEnd(text, backslash) + 1;
          continue;
        }
        i = quote;
        break;
      }
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) throw FhirError.tooLarge(`The JSON nests deeper than ${max} levels (MAX_JSON_DEPTH)`);
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
    }
  }
}

/** The code unit of a `\uXXXX` escape at `at` (the backslash), or undefined for any other escape. */
function unicodeEscape(text: string, at: number): number | undefined {
  if (text.charCodeAt(at) !== 0x5c || text.charCodeAt(at + 1) !== 0x75) return undefined;
  const hex = text.slice(at + 2, at + 6);
  return /^[0-9a-fA-F]{4}$/.test(hex) ? parseInt(hex, 16) : undefined;
}

/** Index of the last character of the escape that starts at `at`; 400 for \u0000 and lone surrogates. */
function escapeEnd(text: string, at: number): number {
  const unit = unicodeEscape(text, at);
  if (unit === undefined) return at + 1; // \" \\ \n ... or malformed: JSON.parse will say so
  if (unit === 0) throw FhirError.badRequest('JSON strings may not contain \\u0000');
  if (unit >= 0xdc00 && unit <= 0xdfff) throw FhirError.badRequest('A JSON string holds half of a surrogate pair (\\udc00-\\udfff alone)');
  if (unit >= 0xd800 && unit <= 0xdbff) {
    const low = unicodeEscape(text, at + 6);
    if (low === undefined || low < 0xdc00 || low > 0xdfff) throw FhirError.badRequest('A JSON string holds half of a surrogate pair (\\ud800-\\udbff alone)');
    return at + 11;
  }
  return at + 5;
}
