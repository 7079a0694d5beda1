import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../env.js';

const ALLOW_METHODS = 'GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS';
const ALLOW_HEADERS = [
  'Authorization', 'Content-Type', 'Accept', 'X-Tenant-ID', 'If-Match', 'If-None-Exist', 'If-None-Match',
  'If-Modified-Since', 'Prefer',
].join(', ');
// What a browser app must read: versions, where a created resource or a job lives, job progress.
const EXPOSE_HEADERS = ['ETag', 'Location', 'Last-Modified', 'Content-Location', 'X-Progress', 'Retry-After', 'Preference-Applied'].join(', ');
const MAX_AGE = '600';

/**
 * CORS for the origins of CORS_ORIGINS (none: no CORS headers at all, the browser refuses). Runs
 * before authentication: a preflight carries no token (Fetch standard §4.8), so it is answered
 * here with 204, and only for an allowed origin; every other request goes on to the usual
 * checks. The matched origin is echoed with `Vary: Origin` and credentials allowed (tokens in
 * Authorization); `*` in the list allows any origin, then without credentials, since a browser
 * refuses `*` together with them.
 */
export function cors(origins: readonly string[]): MiddlewareHandler<AppEnv> {
  const any = origins.includes('*');
  const allowed = new Set(origins.map((o) => o.replace(/\/+$/, '').toLowerCase()));
  const allowOrigin = (origin: string | undefined): string | undefined => {
    if (origin === undefined) return undefined;
    if (any) return '*';
    return allowed.has(origin.toLowerCase()) ? origin : undefined;
  };
  const common = (headers: Headers, value: string) => {
    headers.set('Access-Control-Allow-Origin', value);
    if (value !== '*') headers.set('Access-Control-Allow-Credentials', 'true');
  };
  return async (c, next) => {
    if (origins.length === 0) return next();
    const value = allowOrigin(c.req.header('origin'));
    if (value !== undefined && c.req.method === 'OPTIONS' && c.req.header('access-control-request-method') !== undefined) {
      const headers = new Headers({ 'Access-Control-Allow-Methods': ALLOW_METHODS, 'Access-Control-Allow-Headers': ALLOW_HEADERS, 'Access-Control-Max-Age': MAX_AGE });
      common(headers, value);
      if (!any) headers.set('Vary', 'Origin');
      return new Response(null, { status: 204, headers });
    }
    await next();
    // Even when refused: a cache must not hand this answer to another origin.
    if (!any) c.res.headers.append('Vary', 'Origin');
    if (value === undefined) return;
    common(c.res.headers, value);
    c.res.headers.set('Access-Control-Expose-Headers', EXPOSE_HEADERS);
  };
}
