/**
 * Row types produced by the write-time index extractor. One array per
 * parameter type so a SQL layer can map each to its own table; every row
 * carries the parameter `code`.
 */

/** `value` is normalized (see `normalizeString`) for the default prefix match; `exact` is the original for `:exact`. */
export interface StringValue {
  readonly value: string;
  readonly exact: string;
}

/**
 * `display` holds Coding.display, CodeableConcept.text or Identifier.type.text
 * (original text, for `:text`). `typeSystem`/`typeCode` hold one coding of
 * Identifier.type (for `:of-type`), null for everything else.
 */
export interface TokenValue {
  readonly system: string | null;
  readonly value: string | null;
  readonly display: string | null;
  readonly typeSystem: string | null;
  readonly typeCode: string | null;
}

/**
 * Local references (`Type/id`, history stripped) fill targetType/targetId;
 * anything else (absolute URL, canonical without `|version`, `urn:uuid:`,
 * contained `#id`) fills `url`. Reference.identifier fills the identifier
 * fields (for `:identifier`).
 */
export interface ReferenceValue {
  readonly targetType: string | null;
  readonly targetId: string | null;
  readonly url: string | null;
  readonly identifierSystem: string | null;
  readonly identifierValue: string | null;
}

/** Inclusive UTC range, ISO-8601 with milliseconds, or '-infinity'/'infinity' for open ends. */
export interface DateValue {
  readonly low: string;
  readonly high: string;
}

/** `low`/`high` are the implicit range given by the decimal's significant digits. */
export interface NumberValue {
  readonly value: number;
  readonly low: number;
  readonly high: number;
}

/**
 * `value` is null for a Range. `low`/`high` are null when unbounded (a Range
 * with one end, a Quantity with a `<`/`>` comparator). `unit` is the coded
 * unit (Quantity.code) when present, else the human unit; Money uses ISO 4217.
 */
export interface QuantityValue {
  readonly value: number | null;
  readonly low: number | null;
  readonly high: number | null;
  readonly system: string | null;
  readonly unit: string | null;
  /**
   * A UCUM quantity in canonical units (fhir/terminology/ucum.ts): value, low and high in the
   * base units and the canonical unit; absent for other systems and units that do not parse.
   */
  readonly canonical?: { readonly value: number | null; readonly low: number | null; readonly high: number | null; readonly unit: string };
}

export interface UriValue {
  readonly value: string;
}

export type StringRow = { readonly code: string } & StringValue;
export type TokenRow = { readonly code: string } & TokenValue;
export type ReferenceRow = { readonly code: string } & ReferenceValue;
export type DateRow = { readonly code: string } & DateValue;
export type NumberRow = { readonly code: string } & NumberValue;
export type QuantityRow = { readonly code: string } & QuantityValue;
export type UriRow = { readonly code: string } & UriValue;

/** A single component value of a composite row, tagged with its parameter type. */
export type IndexValue =
  | ({ readonly type: 'string' } & StringValue)
  | ({ readonly type: 'token' } & TokenValue)
  | ({ readonly type: 'reference' } & ReferenceValue)
  | ({ readonly type: 'date' } & DateValue)
  | ({ readonly type: 'number' } & NumberValue)
  | ({ readonly type: 'quantity' } & QuantityValue)
  | ({ readonly type: 'uri' } & UriValue);

/**
 * One combination of component values found on the same focus (e.g. the
 * same Observation.component). `components[i]` belongs to the i-th component
 * of the parameter definition, so a SQL layer can store it as JSONB or as
 * one child row per component with its position.
 */
export interface CompositeRow {
  readonly code: string;
  readonly components: readonly IndexValue[];
}

export interface IndexRows {
  readonly string: StringRow[];
  readonly token: TokenRow[];
  readonly reference: ReferenceRow[];
  readonly date: DateRow[];
  readonly number: NumberRow[];
  readonly quantity: QuantityRow[];
  readonly uri: UriRow[];
  readonly composite: CompositeRow[];
}

/** Parameter types that have rows (everything but `special`). */
export type IndexedParamType = IndexValue['type'] | 'composite';

export function emptyIndexRows(): IndexRows {
  return { string: [], token: [], reference: [], date: [], number: [], quantity: [], uri: [], composite: [] };
}
