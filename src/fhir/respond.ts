import { etag, httpDate } from './bundle.js';
import { outcome } from '../core/errors.js';
import type { FhirContext } from './context.js';
import type { ReturnPreference } from './request.js';
import type { StoredVersion } from './repository/stored-version.js';

export const FHIR_JSON = 'application/fhir+json; charset=utf-8';

export function sendJson(c: FhirContext, status: number, body: string): Response {
  return c.body(body, status as 200, { 'Content-Type': FHIR_JSON });
}

export function versionHeaders(c: FhirContext, v: Pick<StoredVersion, 'versionId' | 'lastUpdated'>): void {
  c.header('ETag', etag(v.versionId));
  if (v.lastUpdated) c.header('Last-Modified', httpDate(v.lastUpdated));
}

/** RFC 7240 §3: a preference the answer honoured (several: one header, comma-separated). */
export function preferenceApplied(c: FhirContext, preference: string): void {
  c.header('Preference-Applied', preference, { append: true });
}

/** Says `Prefer: return=...` was applied, when the request asked for one. */
export function returnApplied(c: FhirContext, preference: ReturnPreference): void {
  if (/(?:^|[;,\s])return\s*=/i.test(c.req.header('prefer') ?? '')) preferenceApplied(c, `return=${preference}`);
}

/** A write's answer per `Prefer: return` (R4 §3.1.0.8.1). */
export function sendWritten(
  c: FhirContext,
  status: number,
  version: StoredVersion,
  preference: ReturnPreference,
  message: string,
): Response {
  versionHeaders(c, version);
  returnApplied(c, preference);
  if (preference === 'minimal') return c.body(null, status as 200);
  if (preference === 'OperationOutcome') {
    return sendJson(c, status, JSON.stringify(outcome([{ severity: 'information', code: 'informational', diagnostics: message }])));
  }
  return sendJson(c, status, version.body ?? '');
}
