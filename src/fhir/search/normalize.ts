/**
 * Value normalization shared by the index extractor and the query side, so
 * both sides of a comparison are computed by the same code.
 */

const COMBINING_MARKS = /\p{M}/gu;

/**
 * FHIR string search ignores case and accents. Lower-casing first matters:
 * some upper-case letters (e.g. U+0130) lower-case into a letter plus a
 * combining mark, which the fold then removes.
 */
export function normalizeString(s: string): string {
  return s.toLowerCase().normalize('NFD').replace(COMBINING_MARKS, '');
}

export interface DateRange {
  /** Inclusive lower bound, `YYYY-MM-DDTHH:mm:ss.sssZ`. */
  readonly low: string;
  /** Inclusive upper bound, `YYYY-MM-DDTHH:mm:ss.sssZ`. */
  readonly high: string;
}

export const NEG_INFINITY = '-infinity';
export const POS_INFINITY = 'infinity';

const DATE_RE =
  /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/;

/** Date.UTC maps years 0–99 to 1900–1999; FHIR years are literal. */
function utcMs(y: number, mo: number, d: number, h = 0, mi = 0, s = 0, ms = 0): number {
  const t = new Date(0);
  t.setUTCFullYear(y, mo, d);
  t.setUTCHours(h, mi, s, ms);
  return t.getTime();
}

function daysInMonth(y: number, mo: number): number {
  return new Date(utcMs(y, mo + 1, 0)).getUTCDate();
}

function offsetMs(zone: string | undefined): number {
  if (zone === undefined || zone === 'Z') return 0;
  const sign = zone.startsWith('-') ? -1 : 1;
  const hours = Number(zone.slice(1, 3));
  const minutes = Number(zone.slice(4, 6));
  return sign * (hours * 60 + minutes) * 60_000;
}

/**
 * The inclusive instant range covered by a FHIR date, dateTime or instant at
 * the precision it was written with (`2020` is the whole year,
 * `…T10:00:00Z` the whole second, `…T10:00:00.5Z` a tenth of a second).
 * Values without a zone are taken as UTC. Also accepts minute precision
 * (`2020-03-04T10:00`), which search values may use. Null if unparseable.
 */
export function parseDateRange(value: string): DateRange | null {
  const m = DATE_RE.exec(value);
  if (!m) return null;
  const [, ys, mos, ds, hs, mis, ss, frac, zone] = m;
  const y = Number(ys);
  // FHIR has no year 0000 (and PostgreSQL rejects it).
  if (y === 0) return null;
  if (mos === undefined) return range(utcMs(y, 0, 1), utcMs(y + 1, 0, 1) - 1);
  const mo = Number(mos) - 1;
  if (mo < 0 || mo > 11) return null;
  if (ds === undefined) return range(utcMs(y, mo, 1), utcMs(y, mo + 1, 1) - 1);
  const d = Number(ds);
  if (d < 1 || d > daysInMonth(y, mo)) return null;
  if (hs === undefined) return range(utcMs(y, mo, d), utcMs(y, mo, d + 1) - 1);
  const h = Number(hs);
  const mi = Number(mis);
  const s = ss === undefined ? 0 : Number(ss);
  // 24:00:00 is not a valid FHIR time; leap seconds are clamped by Date.
  if (h > 23 || mi > 59 || s > 60) return null;
  const fracDigits = frac === undefined ? 0 : Math.min(frac.length, 3);
  const ms = frac === undefined ? 0 : Number(frac.slice(0, 3).padEnd(3, '0'));
  const low = utcMs(y, mo, d, h, mi, s, ms) - offsetMs(zone);
  const width = ss === undefined ? 60_000 : fracDigits === 0 ? 1000 : 10 ** (3 - fracDigits);
  return range(low, low + width - 1);
}

// FHIR years run from 0001 to 9999, and PostgreSQL reads nothing else of toISOString's output
// ("0000-…", "+010000-…"); a zone offset moves 0001-01-01T00:00+14:00 or 9999-12-31T23:00-14:00
// past either end in UTC, so instants are kept within these bounds.
const MIN_MS = Date.parse('0001-01-01T00:00:00.000Z');
const MAX_MS = Date.parse('9999-12-31T23:59:59.999Z');

/** An instant as `YYYY-MM-DDTHH:mm:ss.sssZ` within years 0001–9999 (clamped), for index rows and SQL. */
export function instant(ms: number): string {
  return new Date(Math.min(Math.max(ms, MIN_MS), MAX_MS)).toISOString();
}

function range(lowMs: number, highMs: number): DateRange | null {
  if (!Number.isFinite(lowMs) || !Number.isFinite(highMs)) return null;
  return { low: instant(lowMs), high: instant(highMs) };
}

export interface NumberRange {
  readonly value: number;
  /** value − ½ unit of the last significant digit. */
  readonly low: number;
  /** value + ½ unit of the last significant digit. */
  readonly high: number;
}

const DECIMAL_RE = /^([+-]?)(\d+)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/**
 * The implicit range of a decimal per R4 search.html#number: `100` →
 * [99.5, 100.5], `100.0` → [99.95, 100.05], `1e2` → [50, 150]. Strings keep
 * their written precision; a JS number only has its shortest round-trip form
 * (JSON.parse has already turned `100.0` into `100`). Bounds are built as
 * decimal strings so they are the correctly rounded doubles.
 */
export function numberRange(input: number | string): NumberRange | null {
  const text = typeof input === 'number' ? String(input) : input.trim();
  const m = DECIMAL_RE.exec(text);
  if (!m) return null;
  const [, sign = '', intPart = '', fracPart = '', exp] = m;
  const digits = BigInt(`${sign}${intPart}${fracPart}`) * 10n;
  const scale = fracPart.length - (exp === undefined ? 0 : Number(exp)) + 1;
  const value = Number(text);
  if (!Number.isFinite(value)) return null;
  return { value, low: Number(`${digits - 5n}e${-scale}`), high: Number(`${digits + 5n}e${-scale}`) };
}
