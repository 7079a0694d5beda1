/** FHIR OperationOutcome (R4 §2.21.0.2), the body of every error the server returns. */
export interface OperationOutcome {
  resourceType: 'OperationOutcome';
  issue: OutcomeIssue[];
}

export type IssueSeverity = 'fatal' | 'error' | 'warning' | 'information';

export interface OutcomeIssue {
  severity: IssueSeverity;
  code: string;
  diagnostics?: string;
  expression?: string[];
}

export function outcome(issues: OutcomeIssue[]): OperationOutcome {
  return { resourceType: 'OperationOutcome', issue: issues };
}

/**
 * The one error type: thrown anywhere, rendered by the app's onError. The
 * message is the diagnostics shown to the client, so it must never carry internals.
 */
export class FhirError extends Error {
  readonly headers: Record<string, string>;

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    options: { expression?: string[]; headers?: Record<string, string>; issues?: OutcomeIssue[] } = {},
  ) {
    super(message);
    this.expression = options.expression;
    this.headers = options.headers ?? {};
    this.issues = options.issues;
  }

  readonly expression: string[] | undefined;
  /** Several issues (validation), rendered instead of the single one made from the message. */
  readonly issues: OutcomeIssue[] | undefined;

  toOutcome(): OperationOutcome {
    if (this.issues?.length) return outcome(this.issues);
    const issue: OutcomeIssue = { severity: 'error', code: this.code, diagnostics: this.message };
    if (this.expression) issue.expression = this.expression;
    return outcome([issue]);
  }

  static badRequest(message: string, expression?: string[]) {
    return new FhirError(400, 'invalid', message, { expression });
  }
  static unauthorized(message: string) {
    return new FhirError(401, 'login', message, { headers: { 'WWW-Authenticate': 'Bearer' } });
  }
  static forbidden(message: string) {
    return new FhirError(403, 'forbidden', message);
  }
  static notFound(message: string) {
    return new FhirError(404, 'not-found', message);
  }
  static notAllowed(message: string) {
    return new FhirError(405, 'not-supported', message);
  }
  static conflict(message: string) {
    return new FhirError(409, 'conflict', message);
  }
  static gone(message: string) {
    return new FhirError(410, 'deleted', message);
  }
  static preconditionFailed(message: string) {
    return new FhirError(412, 'conflict', message);
  }
  static tooLarge(message: string) {
    return new FhirError(413, 'too-costly', message);
  }
  static unsupportedMediaType(message: string) {
    return new FhirError(415, 'not-supported', message);
  }
  static unprocessable(message: string, expression?: string[]) {
    return new FhirError(422, 'processing', message, { expression });
  }
}
