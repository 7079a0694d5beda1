import { FhirError } from './errors.js';

export type Json = null | boolean | number | string | Json[] | JsonObject;
export interface JsonObject {
  [key: string]: Json | undefined;
}

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Checks JSON text before anything parses it, in one pass without recursion: 413 when objects and
 * arrays nest deeper than `max`. JSON.parse copes with any depth, but validation, index
 * extraction and reference rewriting walk the parsed value recursively, and a body nested a few
 * thousand levels deep would overflow their stack (a 500) instead of being refused.
 */
export function assertJsonText(text: string, max: number): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // a backslash escapes the next character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) throw FhirError.tooLarge(`The JSON nests deeper than ${max} levels (MAX_JSON_DEPTH)`);
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
    }
  }
}
