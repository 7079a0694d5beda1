/**
 * A value found by evaluating a search expression, with its FHIR type as the
 * R4 model names it (`HumanName`, `dateTime`, `System.String`…). Row builders
 * only look at `v` and `t`, so both engines feed them identically.
 */
export interface TypedValue {
  /** The FHIR JSON value (object for complex types, JS primitive otherwise). */
  readonly v: unknown;
  /** FHIR type name; '' when unknown. */
  readonly t: string;
  /**
   * Engine-specific handle used to evaluate relative expressions with this
   * value as focus (composite components): the model key for the fast path,
   * the fhirpath.js node for the general path.
   */
  readonly node?: unknown;
}
