import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../env.js';
import { assertJsonText } from '../fhir/json.js';

const FORM = /^application\/x-www-form-urlencoded\s*(;|$)/i;

/**
 * Every request body that may be read as JSON (all but form posts), checked once before any
 * handler parses it: 413 when it nests deeper than MAX_JSON_DEPTH. Hono caches the text, so the
 * handler reads it without a second pass over the stream.
 */
export function jsonBodyLimits(maxDepth: number): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    // GET and HEAD carry no body we read; and touching c.req.raw would make @hono/node-server
    // build a full Request for every read (see the body limit in app.ts).
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD' && c.req.raw.body !== null && !FORM.test(c.req.header('content-type') ?? '')) {
      assertJsonText(await c.req.text(), maxDepth);
    }
    await next();
  };
}
