import type { QuantityValue } from '../indexing/index-rows.js';
import { toCanonical } from './ucum.js';

/*
 * The canonical form of UCUM quantities in index rows (search_quantity.canonical_*, sql/0021),
 * so `value-quantity=5.4|http://unitsofmeasure.org|mg` finds a stored `5400 ug`.
 */

/**
 * Distinct units of one parameter of one resource that are converted: a new unit costs a parse
 * (ucum.ts), and one resource must not carry thousands of them. Which ones is decided by the
 * resource alone (the first ones in its order), never by what the cache holds.
 */
const MAX_UNITS = 8;

/** The index values, each with its canonical form when it is a UCUM quantity whose unit parses. */
export function withCanonical(values: QuantityValue[]): QuantityValue[] {
  const units = new Set<string>();
  return values.map((q) => {
    if (q.unit === null) return q;
    if (!units.has(q.unit)) {
      if (units.size >= MAX_UNITS) return q;
      units.add(q.unit);
    }
    return canonical(q);
  });
}

function canonical(q: QuantityValue): QuantityValue {
  const probe = q.value ?? q.low ?? q.high;
  if (probe === null) return q;
  const unit = toCanonical(q.system, q.unit, probe)?.unit;
  if (unit === undefined) return q;
  const at = (v: number | null) => (v === null ? null : toCanonical(q.system, q.unit, v)?.value ?? null);
  return { ...q, canonical: { value: at(q.value), low: at(q.low), high: at(q.high), unit } };
}

type Column = [name: string, cast: string, value: (row: never) => unknown];
type Row = { canonical?: QuantityValue['canonical'] };

/** The index writer's columns for them (repository/index-writer.ts). */
export const CANONICAL_QUANTITY_COLUMNS: Column[] = [
  ['canonical_value', 'float8', (r: Row) => r.canonical?.value ?? null],
  ['canonical_low', 'float8', (r: Row) => r.canonical?.low ?? null],
  ['canonical_high', 'float8', (r: Row) => r.canonical?.high ?? null],
  ['canonical_unit', 'text', (r: Row) => r.canonical?.unit ?? null],
];
