import type { ErrorHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { fromDatabase } from '../fhir/db-errors.js';
import type { AppEnv } from '../env.js';
import { FhirError } from '../core/errors.js';
import type { Logger } from '../log.js';
import type { Metrics } from './metrics.js';
import { FHIR_JSON } from '../fhir/respond.js';

/**
 * The one place errors become responses: always an OperationOutcome, never internals. It does no
 * I/O: refusals are logged by the recordRefusals middleware (http/refusals.ts).
 */
export function renderError(log: Logger, metrics?: Metrics): ErrorHandler<AppEnv> {
  return (err, c) => {
    if (!(err instanceof FhirError) && metrics) {
      const code = typeof err === 'object' && err !== null && 'code' in err ? String(err.code).slice(0, 40) : 'unknown';
      metrics.dbErrors.inc({ code });
    }
    let fhir = err instanceof FhirError ? err : fromDatabase(err);
    if (fhir === undefined && err instanceof HTTPException && err.status < 500) {
      fhir = new FhirError(err.status, 'invalid', err.message || 'Bad request');
    }
    const logger = c.get('log') ?? log;
    if (fhir === undefined) {
      logger.error({ err }, 'unhandled error');
      fhir = new FhirError(500, 'exception', 'Internal server error');
    } else if (fhir.status >= 500) {
      logger.warn({ err }, fhir.message);
    }
    for (const [name, value] of Object.entries(fhir.headers)) c.header(name, value);
    return c.body(JSON.stringify(fhir.toOutcome()), fhir.status as 400, { 'Content-Type': FHIR_JSON });
  };
}
