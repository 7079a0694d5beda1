import type { ErrorHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { sqlState } from '../db/database.js';
import type { AppEnv } from '../env.js';
import { FhirError } from '../fhir/errors.js';
import type { Logger } from '../log.js';
import { auditDenied } from '../auth/audit.js';
import type { Metrics } from './metrics.js';
import type { Database } from '../db/database.js';
import { FHIR_JSON } from '../fhir/respond.js';

// Database states a client can act on: retry, or fix the request. Everything else is ours: 500.
function fromDatabase(err: unknown): FhirError | undefined {
  const state = sqlState(err);
  if (state === '23505') return FhirError.conflict('The resource was changed or created concurrently; retry');
  if (state === '40001' || state === '40P01') return FhirError.conflict('Concurrent update; retry');
  if (state === '57014') return new FhirError(503, 'timeout', 'The request took too long and was cancelled');
  // Retry-After: the pool was busy or the server away; either is worth a retry shortly.
  const retry = { headers: { 'Retry-After': '1' } };
  if (state?.startsWith('08') || state === '57P01' || state === '57P03' || state === '53300') {
    return new FhirError(503, 'transient', 'The database is unavailable; retry later', retry);
  }
  const code = typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : '';
  if (['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'CONNECTION_CLOSED', 'CONNECTION_ENDED', 'CONNECTION_DESTROYED', 'CONNECT_TIMEOUT'].includes(code)) {
    return new FhirError(503, 'transient', 'The database is unavailable; retry later', retry);
  }
  return undefined;
}

/**
 * The one place errors become responses: always an OperationOutcome, never internals. Refused
 * requests (401, 403) are recorded in the audit log (aggregated, see auth/audit.ts), after the
 * request's transaction has ended.
 */
export function renderError(log: Logger, db: Database, metrics?: Metrics): ErrorHandler<AppEnv> {
  return async (err, c) => {
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
    if (fhir.status === 401 || fhir.status === 403) {
      const scope = c.get('scope');
      const principal = c.get('principal');
      const path = new URL(c.req.url).pathname;
      await auditDenied(db, logger, {
        // The tenant the request aimed at, even when refused before the scope was set; the
        // database names it in the row only if it exists.
        claimedTenant: scope?.kind === 'tenant' ? scope.tenantId
          : (/^\/tenants\/([^/]{1,63})\//.exec(path)?.[1] ?? c.req.header('x-tenant-id') ?? principal?.tenant ?? null),
        client: principal?.clientId ?? null,
        method: c.req.method,
        path,
        outcome: fhir.status === 401 ? 'unauthenticated' : 'denied',
        detail: fhir.message,
      });
    }
    for (const [name, value] of Object.entries(fhir.headers)) c.header(name, value);
    return c.body(JSON.stringify(fhir.toOutcome()), fhir.status as 400, { 'Content-Type': FHIR_JSON });
  };
}
