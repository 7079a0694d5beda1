import type { Deps } from '../../env.js';
import { bundleJson, fullUrl, type EntryParts } from '../bundle.js';
import { openPaging, pagingLinks, takeCursor, type Paging } from './paging-links.js';
import { withSession, type FhirContext } from '../context.js';
import { FhirError, outcome } from '../../core/errors.js';
import { isJsonObject } from '../../core/json.js';
import { idParam, resourceTypeParam } from '../request.js';
import { preferenceApplied, sendJson } from '../respond.js';
import { parseSearch } from '../search/parse.js';
import { patientCompartmentParams } from '../search/registry.js';
import { isResourceType, resourceTypes } from '../../core/resource-types.js';
import type { SearchRequest } from '../search/query.js';
import { summarize } from '../search/summary.js';
import type { SearchResult } from '../repository/search.js';
import type { StoredVersion } from '../repository/stored-version.js';

const FORM = /^application\/x-www-form-urlencoded\s*(;|$)/i;

/** Query parameters, plus the form body of POST [type]/_search (R4 §3.1.1.3). */
async function searchParams(c: FhirContext): Promise<[string, string][]> {
  const params = [...new URL(c.req.url).searchParams.entries()];
  if (c.req.method !== 'POST') return params;
  const media = c.req.header('content-type') ?? '';
  if (!FORM.test(media)) throw FhirError.unsupportedMediaType('POST _search takes application/x-www-form-urlencoded');
  return [...params, ...new URLSearchParams(await c.req.text()).entries()];
}

function strict(c: FhirContext): boolean {
  const handling = /(?:^|[;,\s])handling\s*=\s*(strict|lenient)/i.exec(c.req.header('prefer') ?? '')?.[1]?.toLowerCase();
  if (handling !== undefined) preferenceApplied(c, `handling=${handling}`);
  return handling === 'strict';
}

/** The parsed search and its paging: the links' parameters, the cursor opened (400 when it is not this search's). */
function parse(c: FhirContext, deps: Deps, types: string[], path: string, params: [string, string][], omit: (k: string) => boolean = () => false) {
  const { token, rest } = takeCursor(params);
  const req = parseSearch(types, rest.filter(([k]) => !omit(k)), { ...deps.config, base: c.var.fhirBase, strict: strict(c) });
  const paging = openPaging(c, deps.db.contextKey, path, rest, token, req.count, req.ignored);
  req.page = paging.cursor;
  return { req, paging };
}

function body(v: StoredVersion, req: SearchRequest): string | null {
  if (v.body === null || (req.summary === undefined && req.elements === undefined) || req.summary === 'false') return v.body;
  const parsed: unknown = JSON.parse(v.body);
  return isJsonObject(parsed) ? JSON.stringify(summarize(parsed, req.summary, req.elements)) : v.body;
}

function searchBundle(c: FhirContext, deps: Deps, paging: Paging, req: SearchRequest, result: SearchResult): string {
  const entry = (mode: 'match' | 'include') => (v: StoredVersion): EntryParts => ({ fullUrl: fullUrl(c.var.fhirBase, v), search: { mode }, resource: body(v, req) });
  const entries = [...result.matches.map(entry('match')), ...result.included.map(entry('include'))];
  if (req.ignored.length) {
    const issues = req.ignored.map((k) => ({ severity: 'warning' as const, code: 'not-supported', diagnostics: `Search parameter "${k.slice(0, 80)}" is not supported and was ignored` }));
    entries.push({ search: { mode: 'outcome' }, resource: JSON.stringify(outcome(issues)) });
  }
  return bundleJson('searchset', { total: result.total, links: pagingLinks(deps.db.contextKey, paging, result), entries });
}

/** GET [base]/[type]?... and POST [base]/[type]/_search */
export const search = (deps: Deps) => async (c: FhirContext) => {
  const type = resourceTypeParam(c, deps);
  const { req, paging } = parse(c, deps, [type], `/${type}`, await searchParams(c));
  const result = await withSession(c, deps, { check: 'access', interaction: 'search', type }, (repo) => repo.search(req));
  return sendJson(c, 200, searchBundle(c, deps, paging, req, result));
};

/** GET [base]?_type=A,B&... : common parameters across the listed types (all types without _type). */
export const systemSearch = (deps: Deps) => async (c: FhirContext) => {
  const params = await searchParams(c);
  const shared = deps.config.sharedResourceTypes;
  const inScope = (t: string) => isResourceType(t) && (c.var.scope.kind === 'tenant' || shared.has(t));
  const listed = params.filter(([k]) => k === '_type').flatMap(([, v]) => v.split(',')).filter(Boolean);
  for (const t of listed) if (!inScope(t)) throw FhirError.badRequest(`Unknown resource type "${t.slice(0, 60)}" in _type`, ['_type']);
  const types = listed.length ? [...new Set(listed)] : resourceTypes().filter(inScope);
  const { req, paging } = parse(c, deps, types, '', params, (k) => k === '_type');
  // Each type is checked by the repository's search (those the caller may not search are left out).
  const result = await withSession(c, deps, { check: 'each-part', write: false }, (repo) => repo.search(req));
  return sendJson(c, 200, searchBundle(c, deps, paging, req, result));
};

/** GET [base]/Patient/[id]/[type]: the Patient compartment (R4 CompartmentDefinition patient). */
export const compartmentSearch = (deps: Deps) => async (c: FhirContext) => {
  const compartment = c.req.param('compartment');
  if (compartment !== 'Patient') throw FhirError.notFound(`Compartment ${String(compartment).slice(0, 40)} is not supported; only Patient`);
  const id = idParam(c);
  const type = resourceTypeParam(c, deps);
  const codes = patientCompartmentParams(type);
  if (!codes.length) throw FhirError.notFound(`${type} is not in the Patient compartment`);
  const { req, paging } = parse(c, deps, [type], `/Patient/${id}/${type}`, await searchParams(c));
  req.clauses.push(type === 'Patient' ? { kind: 'id', ids: [id] } : { kind: 'compartment', codes: [...codes], ownerType: 'Patient', ownerId: id });
  const result = await withSession(c, deps, { check: 'access', interaction: 'search', type }, (repo) => repo.search(req));
  return sendJson(c, 200, searchBundle(c, deps, paging, req, result));
};
