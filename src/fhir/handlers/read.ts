import type { Deps } from '../../env.js';
import { withRepository, type FhirContext } from '../context.js';
import { fastRead } from '../fast-read.js';
import { FhirError } from '../errors.js';
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
  return sendJson(c, 200, v.body);
}

/** GET [base]/[type]/[id] */
export const read = (deps: Deps) => async (c: FhirContext) => {
  const type = resourceTypeParam(c, deps.config.sharedResourceTypes);
  const id = idParam(c);
  const fast = await fastRead(c, deps, type, id);
  const v = fast ? fast.version : await withRepository(c, deps, { interaction: 'read', type }, (repo) => repo.read(type, id));
  return send(c, v, `${type}/${id}`);
};

/** GET [base]/[type]/[id]/_history/[vid] */
export const vread = (deps: Deps) => async (c: FhirContext) => {
  const type = resourceTypeParam(c, deps.config.sharedResourceTypes);
  const id = idParam(c);
  const vid = versionParam(c);
  const fast = await fastRead(c, deps, type, id, vid);
  const v = fast ? fast.version : await withRepository(c, deps, { interaction: 'vread', type }, (repo) => repo.vread(type, id, vid));
  return send(c, v, `${type}/${id}/_history/${vid}`);
};
