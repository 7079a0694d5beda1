import type { Deps } from '../../env.js';
import { readInSession, type FhirContext } from '../context.js';
import { FhirError } from '../../core/errors.js';
import { notModified } from '../not-modified.js';
import { idParam, resourceTypeParam, versionParam } from '../request.js';
import { sendJson, versionHeaders } from '../respond.js';
import type { StoredVersion } from '../repository/stored-version.js';

function send(c: FhirContext, v: StoredVersion | undefined, what: string): Response {
  if (v === undefined) throw FhirError.notFound(`${what} is not known`);
  if (v.deleted || v.body === null) {
    // R4 §3.1.0.2: a deleted resource answers 410 Gone; the tombstone's version still goes out.
    versionHeaders(c, v);
    throw FhirError.gone(`${what} has been deleted`);
  }
  versionHeaders(c, v);
  if (notModified(c, v)) return c.body(null, 304);
  return sendJson(c, 200, v.body);
}

/** GET [base]/[type]/[id] */
export const read = (deps: Deps) => async (c: FhirContext) => {
  const type = resourceTypeParam(c, deps);
  const id = idParam(c);
  return send(c, await readInSession(c, deps, type, id), `${type}/${id}`);
};

/** GET [base]/[type]/[id]/_history/[vid] */
export const vread = (deps: Deps) => async (c: FhirContext) => {
  const type = resourceTypeParam(c, deps);
  const id = idParam(c);
  const vid = versionParam(c);
  return send(c, await readInSession(c, deps, type, id, vid), `${type}/${id}/_history/${vid}`);
};
