/**
 * Types of the search-parameter registry, shared by the query side and the
 * write-time index extractor (src/fhir/indexing).
 */

/** Reference(Any) in R4 lists every resource type but this one (it is never stored). */
export const ANY_TARGET_EXCLUDED = 'Parameters';

export type SearchParamType =
  | 'number'
  | 'date'
  | 'string'
  | 'token'
  | 'reference'
  | 'composite'
  | 'quantity'
  | 'uri'
  | 'special';

/** One component of a composite parameter, resolved at build time. */
export interface CompositeComponentDef {
  /** Canonical URL of the component's own SearchParameter. */
  readonly definition: string;
  /** Code of the component's SearchParameter (e.g. `code`, `value-quantity`). */
  readonly code: string;
  /** Type of the component's SearchParameter: decides how its values are indexed. */
  readonly type: SearchParamType;
  /** FHIRPath relative to each focus of the composite's own expression. */
  readonly expression: string;
}

/**
 * A SearchParameter as stored in `search-parameters.json`: the official R4
 * definition reduced to what the server needs. `expression` covers all bases.
 */
export interface SearchParamRecord {
  readonly url: string;
  readonly code: string;
  readonly base: readonly string[];
  readonly type: SearchParamType;
  /** Null for parameters that are not evaluated from the resource (`_text`, `_content`, `_query`, `_filter`). */
  readonly expression: string | null;
  /** 'Any' stands for every resource type except `ANY_TARGET_EXCLUDED`. */
  readonly target?: readonly string[] | 'Any';
  readonly component?: readonly CompositeComponentDef[];
  readonly multipleOr?: boolean;
  readonly multipleAnd?: boolean;
  readonly comparator?: readonly string[];
  readonly modifier?: readonly string[];
  readonly description: string;
  /** Per-base descriptions, for definitions shared by several bases. */
  readonly descriptions?: Readonly<Record<string, string>>;
}

/**
 * A SearchParameter as seen from one resource type: `expression` only holds
 * the part of the definition's expression that applies to `resourceType`.
 */
export interface SearchParamDef {
  readonly resourceType: string;
  readonly url: string;
  readonly code: string;
  readonly base: readonly string[];
  readonly type: SearchParamType;
  /** Expression narrowed to `resourceType`; null when the parameter is not indexable from the resource. */
  readonly expression: string | null;
  /** Allowed target resource types (reference parameters only; empty otherwise). */
  readonly target: readonly string[];
  /** Components (composite parameters only; empty otherwise). */
  readonly components: readonly CompositeComponentDef[];
  readonly multipleOr: boolean | undefined;
  readonly multipleAnd: boolean | undefined;
  readonly comparators: readonly string[];
  readonly modifiers: readonly string[];
  readonly description: string;
}
