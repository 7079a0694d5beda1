/**
 * string and uri parameter values.
 */
import type { StringValue, UriValue } from './index-rows.js';
import { normalizeString } from '../search/normalize.js';
import type { TypedValue } from './typed-value.js';

// Parts searched by a string parameter on these types (R4 search.html#string).
const HUMAN_NAME_PARTS = ['family', 'given', 'prefix', 'suffix', 'text'] as const;
const ADDRESS_PARTS = ['line', 'city', 'district', 'state', 'postalCode', 'country', 'text'] as const;

function pushString(out: StringValue[], s: unknown): void {
  if (typeof s === 'string' && s !== '') out.push({ value: normalizeString(s), exact: s });
}

function pushParts(out: StringValue[], obj: unknown, parts: readonly string[]): void {
  if (typeof obj !== 'object' || obj === null) return;
  const rec = obj as Record<string, unknown>;
  for (const p of parts) {
    const x = rec[p];
    if (Array.isArray(x)) for (const item of x as unknown[]) pushString(out, item);
    else pushString(out, x);
  }
}

/**
 * Patient `name` matches on any of family/given/…, so a HumanName yields one
 * value per part rather than a joined string.
 */
export function stringValues(values: readonly TypedValue[]): StringValue[] {
  const out: StringValue[] = [];
  for (const { v, t } of values) {
    if (typeof v === 'string') pushString(out, v);
    else if (t === 'HumanName') pushParts(out, v, HUMAN_NAME_PARTS);
    else if (t === 'Address') pushParts(out, v, ADDRESS_PARTS);
  }
  return out;
}

export function uriValues(values: readonly TypedValue[]): UriValue[] {
  const out: UriValue[] = [];
  for (const { v } of values) if (typeof v === 'string' && v !== '') out.push({ value: v });
  return out;
}
