/**
 * Dispatch from a parameter type to its value builder, plus the identity
 * used to drop duplicate values of one parameter.
 */
import type {
  DateValue,
  IndexValue,
  NumberValue,
  QuantityValue,
  ReferenceValue,
  StringValue,
  TokenValue,
  UriValue,
} from './index-rows.js';
import type { TypedValue } from './typed-value.js';
import { dateValues } from './values-date.js';
import { numberValues, quantityValues } from './values-quantity.js';
import { referenceValues } from './values-reference.js';
import { stringValues, uriValues } from './values-string-uri.js';
import { tokenValues } from './values-token.js';

export type ValueType = IndexValue['type'];

export interface ValueOf {
  string: StringValue;
  token: TokenValue;
  reference: ReferenceValue;
  date: DateValue;
  number: NumberValue;
  quantity: QuantityValue;
  uri: UriValue;
}

interface Builder<T> {
  readonly build: (values: readonly TypedValue[]) => T[];
  /** Equal keys ⇔ equal values. */
  readonly key: (v: T) => string;
}

// Separator and null marker that cannot occur in FHIR strings (control chars).
const SEP = '\u0000';
const NUL = '\u0001';
const k = (x: string | number | null): string => (x === null ? NUL : String(x));

const builders: { readonly [K in ValueType]: Builder<ValueOf[K]> } = {
  // `value` is a function of `exact`.
  string: { build: stringValues, key: (v) => v.exact },
  token: {
    build: tokenValues,
    key: (v) => k(v.system) + SEP + k(v.value) + SEP + k(v.display) + SEP + k(v.typeSystem) + SEP + k(v.typeCode),
  },
  reference: {
    build: referenceValues,
    key: (v) =>
      k(v.targetType) + SEP + k(v.targetId) + SEP + k(v.url) + SEP + k(v.identifierSystem) + SEP + k(v.identifierValue),
  },
  date: { build: dateValues, key: (v) => v.low + SEP + v.high },
  // low/high are a function of value.
  number: { build: numberValues, key: (v) => String(v.value) },
  quantity: {
    build: quantityValues,
    key: (v) => k(v.value) + SEP + k(v.low) + SEP + k(v.high) + SEP + k(v.system) + SEP + k(v.unit),
  },
  uri: { build: uriValues, key: (v) => v.value },
};

function dedupe<T>(items: T[], key: (v: T) => string): T[] {
  if (items.length < 2) return items;
  const seen = new Set<string>();
  return items.filter((v) => {
    const id = key(v);
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

/** The distinct index values of `type` for the evaluated `values`. */
export function indexValuesOf<K extends ValueType>(type: K, values: readonly TypedValue[]): ValueOf[K][] {
  const b = builders[type] as Builder<ValueOf[K]>;
  return dedupe(b.build(values), b.key);
}

/** Identity of a tagged value, for deduplicating composite rows. */
export function indexValueKey(v: IndexValue): string {
  // The tag selects the builder whose value type `v` has, which TS cannot correlate.
  const key = builders[v.type].key as (x: IndexValue) => string;
  return v.type + SEP + key(v);
}

export function isValueType(type: string): type is ValueType {
  return Object.hasOwn(builders, type);
}
