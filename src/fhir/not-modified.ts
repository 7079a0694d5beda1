import type { FhirContext } from './context.js';
import type { StoredVersion } from './repository/stored-version.js';

/** The version ids of `If-None-Match` (weak or strong, RFC 7232 §3.2); `*` matches any. */
function matchesNoneMatch(header: string, versionId: number): boolean {
  return header.split(',').some((tag) => {
    const t = tag.trim();
    return t === '*' || /^(?:W\/)?"([0-9]{1,9})"$/.exec(t)?.[1] === String(versionId);
  });
}

/**
 * Whether a read may answer 304 (R4 §3.1.0.1.x conditional read, RFC 7232 §6): If-None-Match
 * decides when present (If-Modified-Since is then ignored); else If-Modified-Since, at the
 * second precision of an HTTP date. A date that does not parse is ignored, as RFC 7232 says.
 */
export function notModified(c: FhirContext, v: Pick<StoredVersion, 'versionId' | 'lastUpdated'>): boolean {
  const noneMatch = c.req.header('if-none-match');
  if (noneMatch !== undefined) return matchesNoneMatch(noneMatch, v.versionId);
  const since = Date.parse(c.req.header('if-modified-since') ?? '');
  if (Number.isNaN(since)) return false;
  return Math.floor(Date.parse(v.lastUpdated) / 1000) <= Math.floor(since / 1000);
}
