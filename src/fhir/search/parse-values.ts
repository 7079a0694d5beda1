import { FhirError } from '../../core/errors.js';
import { ID_PATTERN, isId } from '../../core/ids.js';
import { numberRange, parseDateRange, type DateRange, type NumberRange } from './normalize.js';

/*
 * Parsing of search values (R4 §3.1.1.4 and §3.1.1.5). Each function throws a 400 that names
 * the parameter, so a malformed value never reaches SQL.
 */

/** Splits on an unescaped separator and unescapes `\,` `\$` `\|` `\\` (R4 §3.1.1.5.7). */
export function splitEscaped(value: string, separator: ',' | '$' | '|'): string[] {
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < value.length; i++) {
    const ch = value[i]!;
    if (ch === '\\' && i + 1 < value.length) {
      const next = value[i + 1]!;
      // Keep escapes of the other separators for the next level of splitting.
      current += next === separator ? next : ch + next;
      i++;
    } else if (ch === separator) {
      parts.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  parts.push(current);
  return parts;
}

/** Removes every remaining escape once a value is fully split. */
export function unescape(value: string): string {
  return value.replace(/\\([,$|\\])/g, '$1');
}

export type Prefix = 'eq' | 'ne' | 'gt' | 'lt' | 'ge' | 'le' | 'sa' | 'eb' | 'ap';
const PREFIXES = new Set<Prefix>(['eq', 'ne', 'gt', 'lt', 'ge', 'le', 'sa', 'eb', 'ap']);

function prefixOf(raw: string): { prefix: Prefix; rest: string } {
  const p = raw.slice(0, 2) as Prefix;
  if (PREFIXES.has(p) && raw.length > 2 && !/^[a-z]/.test(raw.slice(2))) return { prefix: p, rest: raw.slice(2) };
  return { prefix: 'eq', rest: raw };
}

export interface DateQuery extends DateRange {
  prefix: Prefix;
}

export function parseDate(param: string, raw: string): DateQuery {
  const { prefix, rest } = prefixOf(raw);
  const range = parseDateRange(rest);
  if (range === null) throw FhirError.badRequest(`Invalid date "${raw.slice(0, 60)}" for parameter ${param}`, [param]);
  return { prefix, ...range };
}

export interface NumberQuery extends NumberRange {
  prefix: Prefix;
}

export function parseNumber(param: string, raw: string): NumberQuery {
  const { prefix, rest } = prefixOf(raw);
  const range = numberRange(rest);
  if (range === null) throw FhirError.badRequest(`Invalid number "${raw.slice(0, 60)}" for parameter ${param}`, [param]);
  return { prefix, ...range };
}

export interface QuantityQuery extends NumberQuery {
  system: string | null;
  /** Unit code; null matches any unit. */
  unit: string | null;
}

/** `[prefix]number|system|code`, `number||code`, or just `[prefix]number`. */
export function parseQuantity(param: string, raw: string): QuantityQuery {
  const [num = '', system, code] = splitEscaped(raw, '|');
  if (splitEscaped(raw, '|').length > 3) throw FhirError.badRequest(`Invalid quantity "${raw.slice(0, 60)}" for parameter ${param}`, [param]);
  const n = parseNumber(param, num);
  return { ...n, system: system ? unescape(system) : null, unit: code ? unescape(code) : null };
}

export interface TokenQuery {
  /** undefined: any system; null: no system (`|code`). */
  system: string | null | undefined;
  /** undefined: any code (`system|`). */
  code: string | undefined;
}

export function parseToken(param: string, raw: string): TokenQuery {
  const parts = splitEscaped(raw, '|');
  if (parts.length > 2) throw FhirError.badRequest(`Invalid token "${raw.slice(0, 60)}" for parameter ${param}`, [param]);
  if (parts.length === 1) return { system: undefined, code: unescape(parts[0]!) };
  const [system = '', code = ''] = parts;
  if (system === '' && code === '') throw FhirError.badRequest(`Invalid token "|" for parameter ${param}`, [param]);
  return { system: system === '' ? null : unescape(system), code: code === '' ? undefined : unescape(code) };
}

export interface ReferenceQuery {
  type?: string;
  id?: string;
  url?: string;
}

const RELATIVE = new RegExp(`^([A-Z][A-Za-z]+)/(${ID_PATTERN})(?:/_history/${ID_PATTERN})?$`);

/**
 * `id`, `Type/id`, or an absolute URL; an absolute URL on this server's base is the same as
 * `Type/id`. A canonical `url|version` matches by url (R4 §3.1.1.4.6).
 */
export function parseReference(param: string, raw: string, base: string): ReferenceQuery {
  const value = unescape(raw);
  if (value === '') throw FhirError.badRequest(`Empty reference for parameter ${param}`, [param]);
  const local = value.startsWith(`${base}/`) ? value.slice(base.length + 1) : value;
  const m = RELATIVE.exec(local);
  if (m) return { type: m[1]!, id: m[2]! };
  if (isId(local)) return { id: local };
  return { url: value.split('|')[0]! };
}

export function parseBoolean(param: string, raw: string): boolean {
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  throw FhirError.badRequest(`Parameter ${param} takes true or false, got "${raw.slice(0, 40)}"`, [param]);
}
