import { FhirError } from '../core/errors.js';

/**
 * Why a ViewDefinition was refused at compile time:
 * - `invalid`: the view breaks the SQL on FHIR v2 rules (bad shape, bad column name, unknown
 *   constant, FHIRPath syntax error, unionAll branches that disagree) -> HTTP 400;
 * - `not-supported`: a valid view that uses FHIRPath this compiler does not translate -> HTTP 422;
 * - `too-costly`: a valid view past one of the compiler's caps (view-limits.ts) -> HTTP 422.
 */
export type ViewErrorKind = 'invalid' | 'not-supported' | 'too-costly';

/**
 * The typed error of the analytics compiler. It is a FhirError, so the app's error handler
 * renders it as an OperationOutcome without knowing about analytics. `expression` points into
 * the view (e.g. `select[0].column[1].path`) where that helps.
 */
export class ViewDefinitionError extends FhirError {
  readonly kind: ViewErrorKind;

  constructor(kind: ViewErrorKind, message: string, expression?: string[]) {
    super(kind === 'invalid' ? 400 : 422, kind, message, {
      expression,
    });
    this.name = 'ViewDefinitionError';
    this.kind = kind;
  }
}

export function invalidView(message: string, at?: string): ViewDefinitionError {
  return new ViewDefinitionError('invalid', message, at === undefined ? undefined : [at]);
}

export function tooCostly(message: string, at?: string): ViewDefinitionError {
  return new ViewDefinitionError('too-costly', message, at === undefined ? undefined : [at]);
}

export function unsupported(message: string, at?: string): ViewDefinitionError {
  return new ViewDefinitionError('not-supported', message, at === undefined ? undefined : [at]);
}

/**
 * Errors the spec requires at run time (a non-collection column or a `where` path meeting more
 * than one value, a `where` path that is not boolean) cannot be detected statically without the
 * FHIR model, so the generated SQL raises them itself. Plain SQL has no RAISE, so the SQL casts a
 * data-dependent text starting with this marker to integer; PostgreSQL then fails with
 * `invalid input syntax for type integer: "sql-on-fhir: ..."` (SQLSTATE 22P02).
 */
export const RUNTIME_ERROR_MARKER = 'sql-on-fhir:';

/** The same, for a run-time cap of the view (repeat rows): a 422 too-costly rather than processing. */
export const RUNTIME_COST_MARKER = 'sql-on-fhir-cost:';

/**
 * If `err` (as thrown by PGlite or postgres.js) is one of the view's own run-time errors, the
 * human message (e.g. `column "name" has more than one value`); otherwise undefined. The server
 * turns a match into a 422 and anything else into a 500.
 */
export function viewRuntimeErrorMessage(err: unknown, marker = RUNTIME_ERROR_MARKER): string | undefined {
  if (!(err instanceof Error)) return undefined;
  const at = err.message.indexOf(marker);
  if (at < 0) return undefined;
  const text = err.message.slice(at + marker.length).trim();
  return text.replace(/"\s*$/, '').trim();
}
