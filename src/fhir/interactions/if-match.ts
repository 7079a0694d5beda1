import { FhirError } from '../../core/errors.js';

const VERSION_TAG = /^\s*(?:W\/)?"([1-9][0-9]{0,8})"\s*$/;
/** An entity-tag (RFC 7232 §2.3), weak or strong, of any content. */
const ENTITY_TAG = /^\s*(?:W\/)?"[^"]*"\s*$/;

/**
 * An If-Match precondition (R4 §3.1.0.4.1), from the HTTP header or Bundle.entry.request.ifMatch:
 * `W/"3"` (or `"3"`) → 3; absent → undefined. An entity-tag that is not a version of ours
 * (`W/"abc"`) can never match: 412, as a version that does not match is (RFC 7232 §3.1), and
 * what HAPI answers. Anything else is not an entity-tag: 400 naming where it came from.
 */
export function parseIfMatch(raw: unknown, where: string): number | undefined {
  if (raw === undefined) return undefined;
  const text = typeof raw === 'string' ? raw : '';
  const m = VERSION_TAG.exec(text);
  if (m?.[1]) return Number(m[1]);
  if (ENTITY_TAG.test(text)) throw FhirError.preconditionFailed(`${where} ${text.slice(0, 80)} is not a version of this server's resources: it can never match`);
  throw FhirError.badRequest(`Invalid ${where} "${String(raw).slice(0, 80)}": expected W/"<versionId>"`);
}
