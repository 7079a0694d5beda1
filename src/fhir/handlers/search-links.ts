import type { BundleLink } from '../bundle.js';
import type { FhirContext } from '../context.js';
import { FhirError } from '../../core/errors.js';
import { openCursor, sealCursor, type CursorBinding, type PageCursor } from '../search/cursor.js';
import type { SearchRequest } from '../search/query.js';
import type { SearchResult } from '../repository/search.js';

/*
 * Links of a searchset (R4 §3.1.1.5.4, §2.36.3): the search's own parameters, normalized, and for
 * the pages after and before this one a keyset cursor (search/cursor.ts) bound to the tenant, the
 * base, the path and those parameters.
 */

export interface Paging {
  /** The parameters the search used, in their order, `_count` last: what every link repeats. */
  used: [string, string][];
  binding: CursorBinding;
  /** The `_cursor` the request came with, if any. */
  token?: string;
}

/** Parameters that are not the search's own and never go into a link. */
const NOT_REPEATED = new Set(['_cursor', '_count']);

/** The request's `_cursor` (at most one) and its other parameters. */
export function takeCursor(params: [string, string][]): { token: string | undefined; rest: [string, string][] } {
  const tokens = params.filter(([k]) => k === '_cursor').map(([, v]) => v);
  if (tokens.length > 1) throw FhirError.badRequest('_cursor may be given once', ['_cursor']);
  return { token: tokens[0], rest: params.filter(([k]) => k !== '_cursor') };
}

/** The parameters actually used (ignored ones left out), and the cursor opened against them: 400 when it is not this search's. */
export function openPaging(c: FhirContext, contextKey: string, path: string, params: [string, string][], token: string | undefined, req: SearchRequest): Paging {
  const ignored = new Set(req.ignored);
  const used: [string, string][] = params.filter(([k]) => !NOT_REPEATED.has(k) && !ignored.has(k));
  used.push(['_count', String(req.count)]);
  const scope = c.var.scope.kind === 'tenant' ? `tenant:${c.var.scope.tenantId}` : 'shared';
  const binding: CursorBinding = { scope, base: c.var.fhirBase, path, query: new URLSearchParams(used).toString() };
  if (token !== undefined) req.page = openCursor(contextKey, binding, token);
  return { used, binding, token };
}

export function searchLinks(contextKey: string, paging: Paging, result: SearchResult): BundleLink[] {
  const { base, path, query } = paging.binding;
  const url = (token?: string) => `${base}${path}?${query}${token === undefined ? '' : `&_cursor=${encodeURIComponent(token)}`}`;
  const at = (dir: PageCursor['dir'], keys: (string | null)[] | undefined, v: { resourceType: string; id: string } | undefined) =>
    keys === undefined || v === undefined ? undefined : sealCursor(contextKey, paging.binding, { dir, keys, type: v.resourceType, id: v.id, snapshot: result.snapshot });
  const links: BundleLink[] = [{ relation: 'self', url: url(paging.token) }, { relation: 'first', url: url() }];
  const previous = result.hasPrevious ? at('before', result.firstKeys, result.matches[0]) : undefined;
  if (previous !== undefined) links.push({ relation: 'previous', url: url(previous) });
  const next = result.hasMore ? at('after', result.lastKeys, result.matches[result.matches.length - 1]) : undefined;
  if (next !== undefined) links.push({ relation: 'next', url: url(next) });
  return links;
}
