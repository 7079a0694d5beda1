import type { Deps } from '../../env.js';
import { bundleJson, fullUrl, type EntryParts } from '../bundle.js';
import { openPaging, pagingLinks, takeCursor, type Paging } from './paging-links.js';
import { withSession, type FhirContext } from '../context.js';
import { FhirError, outcome } from '../../core/errors.js';
import { isJsonObject } from '../../core/json.js';
import { idParam, resourceTypeParam } from '../request.js';
import { preferenceApplied, sendJson } from '../respond.js';
import { parseSearch } from '../search/parse.js';
import { patientCompartment } from '../search/registry.js';
import { isResourceType, resourceTypes } from '../../core/resource-types.js';
import type { SearchRequest } from '../search/query.js';
import type { ParamLookup } from '../search/param-lookup.js';
import type { Repository } from '../repository/repository.js';
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

/** `Prefer: handling=strict` (R4 §3.1.1.5.7), which the answer says it applied. */
export function strict(c: FhirContext): boolean {
  const handling = /(?:^|[;,\s])handling\s*=\s*(strict|lenient)/i.exec(c.req.header('prefer') ?? '')?.[1]?.toLowerCase();
  if (handling !== undefined) preferenceApplied(c, `handling=${handling}`);
  return handling === 'strict';
}

/**
 * The parsed search and its paging: the links' parameters, the cursor opened (400 when it is not
 * this search's). Parsed in the session: the parameters a search may use are its scope's (the
 * tenant's own SearchParameters among them), known once the door has read the tenant's row.
 */
function parse(c: FhirContext, deps: Deps, types: string[], path: string, params: [string, string][], lookup: ParamLookup, omit: (k: string) => boolean = () => false) {
  const { token, rest } = takeCursor(params);
  const req = parseSearch(types, rest.filter(([k]) => !omit(k)), { ...deps.config, base: c.var.fhirBase, strict: strict(c), params: lookup });
  const paging = openPaging(c, deps.db.contextKey, path, rest, token, req.count, req.ignored);
  req.page = paging.cursor;
  return { req, paging };
}

async function parseAndSearch(repo: Repository, parseWith: (lookup: ParamLookup) => { req: SearchRequest; paging: Paging }) {
  const parsed = parseWith(await repo.searchParams());
  return { ...parsed, result: await repo.search(parsed.req) };
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
  const params = await searchParams(c);
  const { req, paging, result } = await withSession(c, deps, { check: 'access', interaction: 'search', type },
    (repo) => parseAndSearch(repo, (lookup) => parse(c, deps, [type], `/${type}`, params, lookup)));
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
  // Each type is checked by the repository's search (those the caller may not search are left out).
  const { req, paging, result } = await withSession(c, deps, { check: 'each-part', write: false },
    (repo) => parseAndSearch(repo, (lookup) => parse(c, deps, types, '', params, lookup, (k) => k === '_type')));
  return sendJson(c, 200, searchBundle(c, deps, paging, req, result));
};

/**
 * GET [base]/Patient/[id]/[type], GET [base]/Patient/[id]/* and their POST .../_search forms: the
 * Patient compartment (R4 §3.1.0.8, CompartmentDefinition patient), the patient itself included.
 * `*` searches every compartment type the caller may search (`_type` narrows them), with the
 * parameters common to them, like a system search.
 */
export const compartmentSearch = (deps: Deps) => async (c: FhirContext) => {
  const compartment = c.req.param('compartment');
  if (compartment !== 'Patient') throw FhirError.notFound(`Compartment ${String(compartment).slice(0, 40)} is not supported; only Patient`);
  if (c.var.scope.kind === 'shared') throw FhirError.notFound('Patient is not a shared resource type on this server');
  const id = idParam(c);
  const all = c.req.param('type') ?? '*';
  const members = patientCompartment();
  const params = await searchParams(c);
  const clause = { kind: 'compartment' as const, codes: members, ownerType: 'Patient', ownerId: id, self: true };
  const inCompartment = (path: string, types: string[]) => (lookup: ParamLookup) => {
    const parsed = parse(c, deps, types, path, params, lookup, (k) => k === '_type');
    parsed.req.clauses.push(clause);
    return parsed;
  };
  if (all !== '*') {
    const type = resourceTypeParam(c, deps);
    if (!members[type]?.length) throw FhirError.notFound(`${type} is not in the Patient compartment`);
    const { req, paging, result } = await withSession(c, deps, { check: 'access', interaction: 'search', type },
      (repo) => parseAndSearch(repo, inCompartment(`/Patient/${id}/${type}`, [type])));
    return sendJson(c, 200, searchBundle(c, deps, paging, req, result));
  }
  const listed = params.filter(([k]) => k === '_type').flatMap(([, v]) => v.split(',')).filter(Boolean);
  for (const t of listed) if (!members[t]?.length) throw FhirError.badRequest(`"${t.slice(0, 60)}" in _type is not a type of the Patient compartment`, ['_type']);
  const types = listed.length ? [...new Set(listed)] : Object.keys(members).filter((t) => members[t]?.length);
  // As a system search: the repository leaves out the types the caller may not search.
  const { req, paging, result } = await withSession(c, deps, { check: 'each-part', write: false },
    (repo) => parseAndSearch(repo, inCompartment(`/Patient/${id}/*`, types)));
  return sendJson(c, 200, searchBundle(c, deps, paging, req, result));
};
