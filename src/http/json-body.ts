import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../env.js';
import { FhirError } from '../fhir/errors.js';
import { assertJsonText } from '../fhir/json.js';

const FORM = /^application\/x-www-form-urlencoded\s*(;|$)/i;
const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Every request body, checked once before any handler reads it: UTF-8 (RFC 8259 §8.1; a lenient
 * decoder would store U+FFFD in place of the bad bytes), and, unless it is a form post, the JSON
 * text rules of assertJsonText (nesting up to MAX_JSON_DEPTH, no \u0000, no lone surrogates).
 * Hono caches the bytes, so the handler reads them without a second pass over the stream.
 */
export function jsonBodyLimits(maxDepth: number): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    // GET and HEAD carry no body we read; and touching c.req.raw would make @hono/node-server
    // build a full Request for every read (see the body limit in app.ts).
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD' && c.req.raw.body !== null) {
      let text: string;
      try {
        text = UTF8.decode(await c.req.arrayBuffer());
      } catch {
        throw FhirError.badRequest('The body is not valid UTF-8');
      }
      if (!FORM.test(c.req.header('content-type') ?? '')) assertJsonText(text, maxDepth);
    }
    await next();
  };
}
