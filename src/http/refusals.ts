import type { MiddlewareHandler } from 'hono';
import { auditDenied } from '../auth/audit.js';
import type { Database } from '../db/database.js';
import type { AppEnv } from '../env.js';
import type { Logger } from '../log.js';
import { claimedTenant } from './fhir-base.js';

/**
 * Refused requests (401, 403) go to the audit log (aggregated, see auth/audit.ts), after the
 * request's transaction has ended and its answer is made: wherever the refusal came from (the
 * auth middleware, the tenant's base, the access gate), the error renderer has turned it into the
 * response this middleware sees, so rendering stays free of I/O.
 */
export function recordRefusals(db: Database, log: Logger): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    await next();
    const status = c.res.status;
    if (status !== 401 && status !== 403) return;
    const path = new URL(c.req.url).pathname;
    await auditDenied(db, c.get('log') ?? log, {
      claimedTenant: claimedTenant(c),
      client: c.get('principal')?.clientId ?? null,
      method: c.req.method,
      path,
      outcome: status === 401 ? 'unauthenticated' : 'denied',
      detail: c.error instanceof Error ? c.error.message : `HTTP ${status}`,
    });
  };
}
