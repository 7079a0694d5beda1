import { randomUUID } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../env.js';
import type { Logger } from '../log.js';

const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

/** Request id (the caller's X-Request-ID when sane), a child logger, and one log line per request. */
export function requestLog(log: Logger): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const given = c.req.header('x-request-id');
    const requestId = given !== undefined && SAFE_REQUEST_ID.test(given) ? given : randomUUID();
    const child = log.child({ requestId });
    c.set('requestId', requestId);
    c.set('log', child);
    const started = performance.now();
    await next();
    // On the response's own headers, as CORS sets its own: c.header() after the response is made
    // reads its bodyUsed, which makes @hono/node-server build the fetch Response and then send it
    // as a stream (about a quarter of a read's server CPU, bench/results/profile.json). Every
    // response here is one this app made, so its headers are mutable.
    c.res.headers.set('X-Request-ID', requestId);
    const scope = c.get('scope');
    child.info(
      {
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
        tenant: scope?.kind === 'tenant' ? scope.tenantId : scope?.kind,
        ms: Math.round((performance.now() - started) * 10) / 10,
      },
      'request',
    );
  };
}
