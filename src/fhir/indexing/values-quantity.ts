/**
 * number and quantity parameter values (R4 search.html#number, #quantity).
 */
import { isA } from '../../fhirpath/r4-model.js';
import type { NumberValue, QuantityValue } from './index-rows.js';
import { numberRange } from '../search/normalize.js';
import type { TypedValue } from './typed-value.js';
import { withCanonical } from '../terminology/ucum-index.js';

type Json = Record<string, unknown>;

/** Money is searched as a quantity whose unit is the ISO 4217 currency. */
export const CURRENCY_SYSTEM = 'urn:iso:std:iso:4217';

function str(x: unknown): string | null {
  return typeof x === 'string' && x !== '' ? x : null;
}

export function numberValues(values: readonly TypedValue[]): NumberValue[] {
  const out: NumberValue[] = [];
  for (const { v } of values) {
    if (typeof v !== 'number') continue;
    const r = numberRange(v);
    if (r !== null) out.push(r);
  }
  return out;
}

/**
 * A comparator makes the value a bound rather than a point: `<5` covers
 * everything below 5, so only the upper end stays bounded.
 */
function quantityValue(q: Json): QuantityValue | null {
  if (typeof q.value !== 'number') return null;
  const r = numberRange(q.value);
  if (r === null) return null;
  const cmp = q.comparator;
  const below = cmp === '<' || cmp === '<=';
  const above = cmp === '>' || cmp === '>=';
  return {
    value: r.value,
    low: below ? null : above ? r.value : r.low,
    high: above ? null : below ? r.value : r.high,
    system: str(q.system),
    unit: str(q.code) ?? str(q.unit),
  };
}

function moneyValue(m: Json): QuantityValue | null {
  if (typeof m.value !== 'number') return null;
  const r = numberRange(m.value);
  if (r === null) return null;
  const currency = str(m.currency);
  return { ...r, system: currency === null ? null : CURRENCY_SYSTEM, unit: currency };
}

/** A Range's ends are inclusive and exact; a missing end is unbounded. */
function rangeValue(range: Json): QuantityValue | null {
  const low = typeof range.low === 'object' && range.low !== null ? (range.low as Json) : null;
  const high = typeof range.high === 'object' && range.high !== null ? (range.high as Json) : null;
  const lowValue = low !== null && typeof low.value === 'number' ? low.value : null;
  const highValue = high !== null && typeof high.value === 'number' ? high.value : null;
  if (lowValue === null && highValue === null) return null;
  const unitFrom = lowValue !== null ? low : high;
  return {
    value: null,
    low: lowValue,
    high: highValue,
    system: str(unitFrom?.system),
    unit: str(unitFrom?.code) ?? str(unitFrom?.unit),
  };
}

export function quantityValues(values: readonly TypedValue[]): QuantityValue[] {
  const out: QuantityValue[] = [];
  for (const { v, t } of values) {
    if (typeof v !== 'object' || v === null) continue;
    let q: QuantityValue | null = null;
    // SampledData is listed by R4 quantity params but has no single value.
    if (t === 'Money') q = moneyValue(v as Json);
    else if (t === 'Range') q = rangeValue(v as Json);
    else if (isA(t, 'Quantity')) q = quantityValue(v as Json);
    if (q !== null) out.push(q);
  }
  return withCanonical(out);
}
