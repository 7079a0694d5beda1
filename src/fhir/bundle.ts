import type { StoredVersion } from './repository/stored-version.js';

export interface BundleLink {
  relation: string;
  url: string;
}

/** Everything of an entry but its resource, which is spliced in as stored JSON text. */
export interface EntryParts {
  fullUrl?: string;
  search?: { mode: 'match' | 'include' | 'outcome' };
  request?: { method: string; url: string };
  response?: { status: string; location?: string; etag?: string; lastModified?: string; outcome?: unknown };
  /** Stored JSON text of the resource, passed through without a parse/stringify round trip. */
  resource?: string | null;
}

function entryJson({ resource, ...rest }: EntryParts): string {
  const head = JSON.stringify(rest);
  if (resource === undefined || resource === null) return head;
  return head === '{}' ? `{"resource":${resource}}` : `${head.slice(0, -1)},"resource":${resource}}`;
}

/** A Bundle as JSON text (R4 §2.36). */
export function bundleJson(
  type: 'searchset' | 'history' | 'transaction-response' | 'batch-response',
  options: { total?: number; links?: BundleLink[]; entries: EntryParts[]; timestamp?: string },
): string {
  const head: Record<string, unknown> = { resourceType: 'Bundle', type, timestamp: options.timestamp ?? new Date().toISOString() };
  if (options.total !== undefined) head.total = options.total;
  if (options.links?.length) head.link = options.links;
  // No entry at all rather than an empty array (R4 JSON §2.6.2: arrays are never empty), e.g. _summary=count.
  if (!options.entries.length) return JSON.stringify(head);
  const entries = options.entries.map(entryJson).join(',');
  return `${JSON.stringify(head).slice(0, -1)},"entry":[${entries}]}`;
}

export function fullUrl(base: string, v: Pick<StoredVersion, 'resourceType' | 'id'>): string {
  return `${base}/${v.resourceType}/${v.id}`;
}

export function etag(versionId: number): string {
  return `W/"${versionId}"`;
}

/** RFC 7231 HTTP-date. */
export function httpDate(iso: string): string {
  return new Date(iso).toUTCString();
}
