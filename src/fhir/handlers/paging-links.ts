import type { BundleLink } from '../bundle.js';
import type { FhirContext } from '../context.js';
import { FhirError } from '../../core/errors.js';
import { openCursor, sealCursor, type CursorBinding, type PageCursor } from '../search/cursor.js';

/*
 * Paging links of a searchset or history Bundle (R4 §3.1.1.5.4, §2.36.3): the request's own
 * parameters, normalized, and for the pages after and before this one a keyset cursor
 * (search/cursor.ts) bound to the tenant, the base, the path and those parameters.
 */

export interface Paging {
  /** The parameters the request used, in their order, `_count` last: what every link repeats. */
  used: [string, string][];
  binding: CursorBinding;
  /** The `_cursor` the request came with, if any. */
  token?: string;
  /** That cursor, opened: where this page starts. */
  cursor?: PageCursor;
}

/** Where the pages around this one start, and whether they exist. */
export interface PageBounds {
  hasMore: boolean;
  hasPrevious: boolean;
  first?: { keys: (string | null)[]; resourceType: string; id: string };
  last?: { keys: (string | null)[]; resourceType: string; id: string };
  snapshot: string;
}

/** The request's `_cursor` (at most one) and its other parameters. */
export function takeCursor(params: [string, string][]): { token: string | undefined; rest: [string, string][] } {
  const tokens = params.filter(([k]) => k === '_cursor').map(([, v]) => v);
  if (tokens.length > 1) throw FhirError.badRequest('_cursor may be given once', ['_cursor']);
  return { token: tokens[0], rest: params.filter(([k]) => k !== '_cursor') };
}

/**
 * The parameters actually used (`ignored` ones and `_count` left out, the page size then added
 * last), and the request's cursor opened against them: 400 when it is not this request's.
 */
export function openPaging(c: FhirContext, contextKey: string, path: string, params: [string, string][], token: string | undefined, count: number, ignored: readonly string[]): Paging {
  const skip = new Set([...ignored, '_count', '_cursor']);
  const used: [string, string][] = params.filter(([k]) => !skip.has(k));
  used.push(['_count', String(count)]);
  const scope = c.var.scope.kind === 'tenant' ? `tenant:${c.var.scope.tenantId}` : 'shared';
  const binding: CursorBinding = { scope, base: c.var.fhirBase, path, query: new URLSearchParams(used).toString() };
  return { used, binding, token, cursor: token === undefined ? undefined : openCursor(contextKey, binding, token) };
}

export function pagingLinks(contextKey: string, paging: Paging, bounds: PageBounds): BundleLink[] {
  const { base, path, query } = paging.binding;
  const url = (token?: string) => `${base}${path}?${query}${token === undefined ? '' : `&_cursor=${token}`}`;
  const at = (dir: PageCursor['dir'], row: PageBounds['first']) =>
    row && sealCursor(contextKey, paging.binding, { dir, keys: row.keys, type: row.resourceType, id: row.id, snapshot: bounds.snapshot });
  const links: BundleLink[] = [{ relation: 'self', url: url(paging.token) }, { relation: 'first', url: url() }];
  const previous = bounds.hasPrevious ? at('before', bounds.first) : undefined;
  if (previous !== undefined) links.push({ relation: 'previous', url: url(previous) });
  const next = bounds.hasMore ? at('after', bounds.last) : undefined;
  if (next !== undefined) links.push({ relation: 'next', url: url(next) });
  return links;
}
