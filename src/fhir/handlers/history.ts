import type { Deps } from '../../env.js';
import { bundleJson, etag, fullUrl, type BundleLink } from '../bundle.js';
import { withSession, type FhirContext } from '../context.js';
import { FhirError } from '../../core/errors.js';
import { idParam, instantParam, paging, resourceTypeParam } from '../request.js';
import { sendJson } from '../respond.js';
import type { HistoryQuery, Page } from '../repository/repository.js';
import type { StoredVersion } from '../repository/stored-version.js';

function since(c: FhirContext): string | undefined {
  return instantParam(c.req.query('_since'), '_since');
}

function method(v: StoredVersion): string {
  if (v.deleted) return 'DELETE';
  return v.versionId === 1 ? 'POST' : 'PUT';
}

function entry(base: string, v: StoredVersion) {
  const url = fullUrl(base, v);
  return {
    fullUrl: url,
    request: { method: method(v), url: v.versionId === 1 && !v.deleted ? v.resourceType : `${v.resourceType}/${v.id}` },
    response: { status: v.deleted ? '204' : v.versionId === 1 ? '201' : '200', etag: etag(v.versionId), lastModified: v.lastUpdated },
    resource: v.body,
  };
}

/** Paging links that repeat the request's own parameters with a new offset. */
export function pageLinks(c: FhirContext, path: string, offset: number, count: number, hasMore: boolean): BundleLink[] {
  const url = (o: number) => {
    const params = new URLSearchParams(new URL(c.req.url).search);
    params.set('_count', String(count));
    params.set('_offset', String(o));
    return `${c.var.fhirBase}${path}?${params.toString()}`;
  };
  const links: BundleLink[] = [{ relation: 'self', url: url(offset) }, { relation: 'first', url: url(0) }];
  if (offset > 0) links.push({ relation: 'previous', url: url(Math.max(0, offset - count)) });
  if (hasMore) links.push({ relation: 'next', url: url(offset + count) });
  return links;
}

function sendHistory(c: FhirContext, page: Page, path: string, q: HistoryQuery): Response {
  return sendJson(c, 200, bundleJson('history', {
    links: pageLinks(c, path, q.offset, q.count, page.hasMore),
    entries: page.versions.map((v) => entry(c.var.fhirBase, v)),
  }));
}

/** GET [base]/_history */
export const systemHistory = (deps: Deps) => async (c: FhirContext) => {
  const q: HistoryQuery = { ...paging(c, deps.config), since: since(c) };
  const page = await withSession(c, deps, { check: 'each-part', write: false }, (repo) => repo.history(q));
  return sendHistory(c, page, '/_history', q);
};

/** GET [base]/[type]/_history */
export const typeHistory = (deps: Deps) => async (c: FhirContext) => {
  const type = resourceTypeParam(c, deps);
  const q: HistoryQuery = { ...paging(c, deps.config), since: since(c), type };
  const page = await withSession(c, deps, { check: 'access', interaction: 'history', type }, (repo) => repo.history(q));
  return sendHistory(c, page, `/${type}/_history`, q);
};

/** GET [base]/[type]/[id]/_history */
export const instanceHistory = (deps: Deps) => async (c: FhirContext) => {
  const type = resourceTypeParam(c, deps);
  const id = idParam(c);
  const q: HistoryQuery = { ...paging(c, deps.config), since: since(c), type, id };
  const page = await withSession(c, deps, { check: 'access', interaction: 'history', type, instance: true }, async (repo) => {
    const result = await repo.history(q);
    if (result.versions.length === 0 && q.offset === 0 && (await repo.read(type, id)) === undefined) {
      throw FhirError.notFound(`${type}/${id} is not known`);
    }
    return result;
  });
  return sendHistory(c, page, `/${type}/${id}/_history`, q);
};
