import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../env.js';
import { assertJsonText, decodeUtf8, parseJsonText } from '../core/json.js';

const FORM = /^application\/x-www-form-urlencoded\s*(;|$)/i;
/** application/json, application/fhir+json, application/json-patch+json, ... */
const JSON_MEDIA = /^application\/(?:[a-z0-9.-]+\+)?json\s*(;|$)/i;

/**
 * Every request body, checked and parsed once before any handler reads it: UTF-8 (RFC 8259 §8.1;
 * a lenient decoder would store U+FFFD in place of the bad bytes), and, unless it is a form post,
 * the JSON text rules of assertJsonText (nesting up to MAX_JSON_DEPTH, no \u0000, no lone
 * surrogates). A body in a JSON media type (or none named) is parsed here, 400 when it is not JSON,
 * and handed to handlers as c.var.body; whether a handler takes that media type (415) is its own
 * question. Hono caches the bytes, so nothing reads the stream twice.
 */
export function jsonBodyLimits(maxDepth: number): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    // GET and HEAD carry no body we read; and touching c.req.raw would make @hono/node-server
    // build a full Request for every read (see the body limit in app.ts).
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD' && c.req.raw.body !== null) {
      const text = decodeUtf8(await c.req.arrayBuffer(), 'The body');
      const media = c.req.header('content-type');
      if (media === undefined || JSON_MEDIA.test(media)) {
        // An empty body is no body (a POST of an operation without parameters).
        if (text.trim() !== '') c.set('body', parseJsonText(text, maxDepth, 'The body'));
      } else if (!FORM.test(media)) {
        assertJsonText(text, maxDepth);
      }
    }
    await next();
  };
}
