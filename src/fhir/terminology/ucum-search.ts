import type { QuantityQuery } from '../search/parse-values.js';
import { toCanonical } from './ucum.js';

/*
 * The query side of UCUM-canonical quantities (R4 search.html#quantity): a search value in a
 * UCUM unit compares with the canonical columns of index rows (ucum-index.ts), so any unit of
 * the same dimension matches; the plain comparison stays as an alternative, for rows indexed
 * before sql/0021 and not yet reindexed.
 */

/** The search value in canonical units (system dropped, unit the canonical one); null when not UCUM. */
export function canonicalQuery(q: QuantityQuery): QuantityQuery | null {
  const value = toCanonical(q.system, q.unit, q.value);
  const low = toCanonical(q.system, q.unit, q.low);
  const high = toCanonical(q.system, q.unit, q.high);
  if (value === null || low === null || high === null) return null;
  return { ...q, value: value.value, low: Math.min(low.value, high.value), high: Math.max(low.value, high.value), system: null, unit: value.unit };
}
