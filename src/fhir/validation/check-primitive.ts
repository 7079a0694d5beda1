/**
 * Primitive values: JSON kind (R4 json.html: numbers for integer/decimal types, booleans for
 * boolean, strings otherwise), non-empty strings, the official regex and integer bounds.
 */
import type { CompiledPrimitive } from './compiled-rules.js';
import { jsonKind, quote } from './issues.js';
import type { IssueCollector } from './issues.js';

const EXPECTED: Readonly<Record<CompiledPrimitive['json'], string>> = { s: 'string', n: 'number', b: 'boolean' };

/** Returns true when the value is acceptable (so binding checks may run on it). */
export function checkPrimitive(value: unknown, p: CompiledPrimitive, path: string, out: IssueCollector): boolean {
  const expected = EXPECTED[p.json];
  if (typeof value !== expected) {
    out.add('structure', `Expected a JSON ${expected} for type ${p.name}, found ${jsonKind(value)}`, path);
    return false;
  }
  if (typeof value === 'string') {
    // R4 §2.1.0.2: primitive values are never empty; absent is written by omitting the property.
    if (value.length === 0) {
      out.add('value', `Empty string is not allowed (type ${p.name})`, path);
      return false;
    }
    if (p.maxLength !== undefined && value.length > p.maxLength) {
      out.add('value', `Value exceeds the maximum length ${p.maxLength} of type ${p.name}`, path);
      return false;
    }
    if (p.re && !p.re.test(value)) {
      out.add('value', `Invalid ${p.name} value ${quote(value)}`, path);
      return false;
    }
    return true;
  }
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) {
      out.add('value', `Invalid ${p.name} value ${quote(value)}`, path);
      return false;
    }
    // JSON.parse has already discarded the literal text, so the regex sees JavaScript's own
    // rendering: 1.0 arrives as 1 (fine for integers), 1e21 as "1e+21" (a valid decimal).
    if ((p.re && !p.re.test(String(value))) || (p.min !== undefined && value < p.min) || (p.max !== undefined && value > p.max)) {
      out.add('value', `Invalid ${p.name} value ${quote(value)}`, path);
      return false;
    }
  }
  return true;
}
