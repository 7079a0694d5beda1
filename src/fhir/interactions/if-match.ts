import { FhirError } from '../../core/errors.js';

const WEAK_ETAG = /^\s*(?:W\/)?"([1-9][0-9]{0,8})"\s*$/;

/**
 * An If-Match precondition (R4 §3.1.0.4.1), from the HTTP header or Bundle.entry.request.ifMatch:
 * `W/"3"` (or `"3"`) → 3; absent → undefined; anything else → 400 naming where it came from.
 */
export function parseIfMatch(raw: unknown, where: string): number | undefined {
  if (raw === undefined) return undefined;
  const m = typeof raw === 'string' ? WEAK_ETAG.exec(raw) : null;
  if (!m?.[1]) throw FhirError.badRequest(`Invalid ${where} "${String(raw).slice(0, 80)}": expected W/"<versionId>"`);
  return Number(m[1]);
}
