import type { Deps } from '../../env.js';
import { readInSession, type FhirContext } from '../context.js';
import { FhirError } from '../../core/errors.js';
import { notModified } from '../not-modified.js';
import { idParam, resourceTypeParam, versionParam } from '../request.js';
import { sendJson, versionHeaders } from '../respond.js';
import type { StoredVersion } from '../repository/stored-version.js';
import type { SearchRequest } from '../search/query.js';
import { parseSearch } from '../search/parse.js';
import { summarize } from '../search/summary.js';
import { isJsonObject } from '../../core/json.js';

type Subset = Pick<SearchRequest, 'summary' | 'elements'>;

/**
 * `_summary` and `_elements` on read and vread (R4 §3.1.1.5.8 and §3.1.1.5.9 apply to any
 * interaction returning resources), checked as a search checks them; `_summary=count` is for
 * searches only (400).
 */
function subsetOf(c: FhirContext, deps: Deps, type: string): Subset {
  const params = [...new URL(c.req.url).searchParams.entries()].filter(([k]) => k === '_summary' || k === '_elements');
  if (!params.length) return { summary: undefined, elements: undefined };
  const { summary, elements } = parseSearch([type], params, { ...deps.config, base: c.var.fhirBase, strict: true });
  if (summary === 'count') throw FhirError.badRequest('_summary=count is for searches; a read takes true, false, text or data', ['_summary']);
  return { summary, elements };
}

/** The stored JSON, or its subset with the SUBSETTED tag (summary.ts). */
function bodyOf(body: string, subset: Subset): string {
  if ((subset.summary === undefined || subset.summary === 'false') && subset.elements === undefined) return body;
  const parsed: unknown = JSON.parse(body);
  return isJsonObject(parsed) ? JSON.stringify(summarize(parsed, subset.summary, subset.elements)) : body;
}

function send(c: FhirContext, v: StoredVersion | undefined, what: string, subset: Subset): Response {
  if (v === undefined) throw FhirError.notFound(`${what} is not known`);
  if (v.deleted || v.body === null) {
    // R4 §3.1.0.2: a deleted resource answers 410 Gone; the tombstone's version still goes out.
    versionHeaders(c, v);
    throw FhirError.gone(`${what} has been deleted`);
  }
  versionHeaders(c, v);
  if (notModified(c, v)) return c.body(null, 304);
  return sendJson(c, 200, bodyOf(v.body, subset));
}

/** GET [base]/[type]/[id] */
export const read = (deps: Deps) => async (c: FhirContext) => {
  const type = resourceTypeParam(c, deps);
  const id = idParam(c);
  const subset = subsetOf(c, deps, type);
  return send(c, await readInSession(c, deps, type, id), `${type}/${id}`, subset);
};

/** GET [base]/[type]/[id]/_history/[vid] */
export const vread = (deps: Deps) => async (c: FhirContext) => {
  const type = resourceTypeParam(c, deps);
  const id = idParam(c);
  const vid = versionParam(c);
  const subset = subsetOf(c, deps, type);
  return send(c, await readInSession(c, deps, type, id, vid), `${type}/${id}/_history/${vid}`, subset);
};
