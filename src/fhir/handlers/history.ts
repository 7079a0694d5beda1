import type { Deps } from '../../env.js';
import { bundleJson, etag, fullUrl } from '../bundle.js';
import { openPaging, pagingLinks, takeCursor, type Paging } from './paging-links.js';
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

/** History parameters the links repeat; others are ignored (R4 §3.1.0.12: `_at`, `_list` are not supported). */
const HISTORY_PARAMS = new Set(['_since', '_count', '_cursor', '_format', '_pretty']);

/** The query of a history: _count, _since and the page's cursor (paging-links.ts). */
function historyQuery(c: FhirContext, deps: Deps, path: string): { q: HistoryQuery; paging: Paging } {
  const params = [...new URL(c.req.url).searchParams.entries()];
  if (params.some(([k]) => k === '_offset')) {
    throw FhirError.badRequest('_offset is not supported: page with the Bundle\'s next and previous links (keyset paging with _cursor)', ['_offset']);
  }
  const { token, rest } = takeCursor(params);
  const { count } = paging(c, deps.config);
  const ignored = rest.map(([k]) => k).filter((k) => !HISTORY_PARAMS.has(k));
  const p = openPaging(c, deps.db.contextKey, path, rest, token, count, ignored);
  return { q: { count, since: since(c), page: p.cursor }, paging: p };
}

function sendHistory(c: FhirContext, deps: Deps, page: Page, paging: Paging): Response {
  return sendJson(c, 200, bundleJson('history', {
    links: pagingLinks(deps.db.contextKey, paging, { ...page, snapshot: paging.cursor?.snapshot ?? new Date().toISOString() }),
    entries: page.versions.map((v) => entry(c.var.fhirBase, v)),
  }));
}

/** GET [base]/_history */
export const systemHistory = (deps: Deps) => async (c: FhirContext) => {
  const { q, paging } = historyQuery(c, deps, '/_history');
  const page = await withSession(c, deps, { check: 'each-part', write: false }, (repo) => repo.history(q));
  return sendHistory(c, deps, page, paging);
};

/** GET [base]/[type]/_history */
export const typeHistory = (deps: Deps) => async (c: FhirContext) => {
  const type = resourceTypeParam(c, deps);
  const { q, paging } = historyQuery(c, deps, `/${type}/_history`);
  const page = await withSession(c, deps, { check: 'access', interaction: 'history', type }, (repo) => repo.history({ ...q, type }));
  return sendHistory(c, deps, page, paging);
};

/** GET [base]/[type]/[id]/_history */
export const instanceHistory = (deps: Deps) => async (c: FhirContext) => {
  const type = resourceTypeParam(c, deps);
  const id = idParam(c);
  const { q, paging } = historyQuery(c, deps, `/${type}/${id}/_history`);
  const page = await withSession(c, deps, { check: 'access', interaction: 'history', type, instance: true }, async (repo) => {
    const result = await repo.history({ ...q, type, id });
    if (result.versions.length === 0 && q.page === undefined && (await repo.read(type, id)) === undefined) {
      throw FhirError.notFound(`${type}/${id} is not known`);
    }
    return result;
  });
  return sendHistory(c, deps, page, paging);
};
