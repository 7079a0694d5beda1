import ucum from '@lhncbc/ucum-lhc';

/*
 * UCUM-canonical quantities (R4 search.html#quantity: a server may compare quantities in
 * canonical units). A value in a UCUM unit becomes its magnitude in the base units
 * (`5400 ug` → `0.0054 g`) and a canonical unit string built from the base units' exponents
 * (`g`, `g.m-2`, `1` for dimensionless), so index rows and search values of convertible units
 * compare as numbers. The NLM library parses the unit; parses are cached per unit string, and a
 * unit longer than MAX_UNIT_LENGTH is not parsed at all (its cost grows with the string: about
 * 1 ms for 40 characters of new unit, measured). Annotations (`{beats}`) are 1 in UCUM and are
 * dropped before the parse, so free text in them neither misses the cache nor changes the value.
 */

export const UCUM_SYSTEM = 'http://unitsofmeasure.org';

const MAX_UNIT_LENGTH = 40;
const MAX_CACHED = 2000;

/** What one unit is in the base units: value → canonical value is `scale(value)`. */
interface UnitInfo {
  unit: string;
  /** Affine units (Cel, [degF]) are not a plain factor: converted value by value. */
  special: boolean;
  factor: number;
}

let utils: ReturnType<typeof ucum.UcumLhcUtils.getInstance> | undefined;
const cache = new Map<string, UnitInfo | null>();

function canonicalUnit(exponents: Record<string, number>): string {
  const parts = Object.keys(exponents).sort().filter((k) => exponents[k] !== 0).map((k) => (exponents[k] === 1 ? k : `${k}${exponents[k]}`));
  return parts.length ? parts.join('.') : '1';
}

/** The unit without its annotations (`{rbc}/uL` → `/uL`; `{count}` → `1`). */
function withoutAnnotations(unit: string): string {
  const bare = unit.replace(/\{[^{}]*\}/g, '');
  return bare === '' ? '1' : bare;
}

function lookup(unit: string): UnitInfo | null {
  const known = cache.get(unit);
  if (known !== undefined) return known;
  utils ??= ucum.UcumLhcUtils.getInstance();
  let info: UnitInfo | null = null;
  try {
    const one = utils.convertToBaseUnits(unit, 1);
    const two = utils.convertToBaseUnits(unit, 2);
    if (one.status === 'succeeded' && typeof one.magnitude === 'number' && typeof two.magnitude === 'number' && one.unitToExp) {
      // A plain factor when f(2) = 2·f(1); else the unit has an offset (Celsius).
      const special = Math.abs(two.magnitude - 2 * one.magnitude) > 1e-12 * Math.abs(two.magnitude);
      info = { unit: canonicalUnit(one.unitToExp), special, factor: one.magnitude };
    }
  } catch {
    info = null;
  }
  if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value ?? '');
  cache.set(unit, info);
  return info;
}

export interface Canonical {
  value: number;
  unit: string;
}

/** A UCUM quantity in canonical units; null when the system is not UCUM or the unit does not parse. */
export function toCanonical(system: string | null, unit: string | null, value: number): Canonical | null {
  if (system !== UCUM_SYSTEM || unit === null || unit.length > MAX_UNIT_LENGTH || !Number.isFinite(value)) return null;
  const bare = withoutAnnotations(unit);
  const info = lookup(bare);
  if (info === null) return null;
  if (!info.special) return { value: value * info.factor, unit: info.unit };
  const converted = utils?.convertToBaseUnits(bare, value);
  return converted?.status === 'succeeded' && typeof converted.magnitude === 'number' ? { value: converted.magnitude, unit: info.unit } : null;
}
