import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../env.js';
import { assertJsonText, decodeUtf8, parseJsonText } from '../core/json.js';
import { cacheBodyText } from './request-body.js';

const FORM = /^application\/x-www-form-urlencoded\s*(;|$)/i;
/** application/json, application/fhir+json, application/json-patch+json, ... */
const JSON_MEDIA = /^application\/(?:[a-z0-9.-]+\+)?json\s*(;|$)/i;

/**
 * Every request body, checked and parsed once before any handler reads it: UTF-8 (RFC 8259 §8.1;
 * a lenient decoder would store U+FFFD in place of the bad bytes), and, unless it is a form post,
 * the JSON text rules of assertJsonText (nesting up to MAX_JSON_DEPTH, no \u0000, no lone
 * surrogates). A body in a JSON media type (or none named) is parsed here, 400 when it is not JSON,
 * and handed to handlers as c.var.body; whether a handler takes that media type (415) is its own
 * question. The bytes are requestBody()'s (read once, MAX_BODY_BYTES counted), and the text is
 * cached for the handlers that read c.req.text().
 */
export function jsonBodyLimits(maxDepth: number): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const bytes = c.var.bodyBytes;
    if (bytes !== undefined) {
      const text = decodeUtf8(bytes, 'The body');
      cacheBodyText(c, text);
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
