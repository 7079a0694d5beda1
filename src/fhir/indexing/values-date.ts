/**
 * date parameter values: every value becomes an inclusive UTC range
 * (R4 search.html#date). Unparseable dates are skipped, not indexed wrong.
 */
import type { DateValue } from './index-rows.js';
import { NEG_INFINITY, POS_INFINITY, parseDateRange } from '../search/normalize.js';
import type { TypedValue } from './typed-value.js';

type Json = Record<string, unknown>;

function rangeOf(x: unknown): DateValue | null {
  return typeof x === 'string' ? parseDateRange(x) : null;
}

/** An open end is unbounded: a Period without end is ongoing. */
function periodValue(p: Json): DateValue | null {
  const start = rangeOf(p.start);
  const end = rangeOf(p.end);
  if (start === null && end === null) return null;
  return { low: start?.low ?? NEG_INFINITY, high: end?.high ?? POS_INFINITY };
}

/** Fixed-width ISO strings compare correctly as strings. */
function widen(acc: DateValue | null, r: DateValue): DateValue {
  if (acc === null) return r;
  const low = acc.low === NEG_INFINITY || r.low === NEG_INFINITY ? NEG_INFINITY : acc.low < r.low ? acc.low : r.low;
  const high = acc.high === POS_INFINITY || r.high === POS_INFINITY ? POS_INFINITY : acc.high > r.high ? acc.high : r.high;
  return { low, high };
}

/** The span of Timing.event and Timing.repeat.boundsPeriod. */
function timingValue(t: Json): DateValue | null {
  let acc: DateValue | null = null;
  if (Array.isArray(t.event)) {
    for (const e of t.event as unknown[]) {
      const r = rangeOf(e);
      if (r !== null) acc = widen(acc, r);
    }
  }
  const repeat = t.repeat as Json | undefined;
  const bounds = typeof repeat === 'object' && repeat !== null ? repeat.boundsPeriod : undefined;
  if (typeof bounds === 'object' && bounds !== null) {
    const r = periodValue(bounds as Json);
    if (r !== null) acc = widen(acc, r);
  }
  return acc;
}

export function dateValues(values: readonly TypedValue[]): DateValue[] {
  const out: DateValue[] = [];
  for (const { v, t } of values) {
    let r: DateValue | null = null;
    if (typeof v === 'string') r = parseDateRange(v);
    else if (typeof v === 'object' && v !== null) {
      if (t === 'Period') r = periodValue(v as Json);
      else if (t === 'Timing') r = timingValue(v as Json);
    }
    if (r !== null) out.push(r);
  }
  return out;
}
