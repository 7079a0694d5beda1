import type { Deps } from '../../env.js';
import { withSession, type FhirContext } from '../context.js';
import { create as createResource } from '../interactions/create.js';
import { criteriaParams } from '../interactions/criteria.js';
import { conditionalDelete as deleteMatches, deleteById } from '../interactions/delete.js';
import { assertIdOfUrl } from '../interactions/resource.js';
import { conditionalUpdate as updateMatch } from '../interactions/update.js';
import { idParam, ifMatch, readResource, resourceTypeParam, returnPreference } from '../request.js';
import { sendJson, sendWritten, versionHeaders } from '../respond.js';
import { conditionalQuery, interactionOptions } from './options.js';

/*
 * The HTTP side of create, update and delete: request in, answer out. The rules (matches, ids,
 * shared resources) live in src/fhir/interactions/, which Bundle entries call too.
 */

/** POST [base]/[type], with If-None-Exist a conditional create (R4 §3.1.0.8). */
export const create = (deps: Deps) => async (c: FhirContext) => {
  const type = resourceTypeParam(c, deps);
  const body = readResource(c, type);
  const preference = returnPreference(c);
  const ifNoneExist = c.req.header('if-none-exist');
  const criteria = ifNoneExist === undefined ? undefined : criteriaParams(ifNoneExist, type);
  const { search } = interactionOptions(c, deps);
  const result = await withSession(c, deps, { check: 'access', interaction: 'create', type }, (repo) => createResource(repo, search, type, body, criteria));
  if (result.kind === 'existing') {
    // R4 §3.1.0.8.1: one match → 200 OK, nothing created.
    const v = result.version;
    versionHeaders(c, v);
    c.header('Location', `${c.var.fhirBase}/${type}/${v.id}/_history/${v.versionId}`);
    return preference === 'minimal' ? c.body(null, 200) : sendJson(c, 200, v.body ?? '');
  }
  const { version } = result.written;
  c.header('Location', `${c.var.fhirBase}/${type}/${version.id}/_history/${version.versionId}`);
  return sendWritten(c, 201, version, preference, `Created ${type}/${version.id}`);
};

/** PUT [base]/[type]/[id]: update, or create with the client's id (R4 §3.1.0.4). */
export const update = (deps: Deps) => async (c: FhirContext) => {
  const type = resourceTypeParam(c, deps);
  const id = idParam(c);
  const body = readResource(c, type);
  assertIdOfUrl(body, id);
  const expected = ifMatch(c);
  const preference = returnPreference(c);
  const { version, created } = await withSession(c, deps, { check: 'access', interaction: 'update', type }, (repo) => repo.write(type, id, body, { ifMatch: expected }));
  if (created) c.header('Location', `${c.var.fhirBase}/${type}/${id}/_history/${version.versionId}`);
  return sendWritten(c, created ? 201 : 200, version, preference, `${created ? 'Created' : 'Updated'} ${type}/${id}`);
};

/** PUT [base]/[type]?criteria (R4 §3.1.0.4.3). */
export const conditionalUpdate = (deps: Deps) => async (c: FhirContext) => {
  const type = resourceTypeParam(c, deps);
  const criteria = conditionalQuery(c, type);
  const body = readResource(c, type);
  const expected = ifMatch(c);
  const preference = returnPreference(c);
  const { search } = interactionOptions(c, deps);
  const { version, created } = await withSession(c, deps, { check: 'access', interaction: 'update', type }, (repo) => updateMatch(repo, search, type, criteria, body, expected));
  if (created) c.header('Location', `${c.var.fhirBase}/${type}/${version.id}/_history/${version.versionId}`);
  return sendWritten(c, created ? 201 : 200, version, preference, `${created ? 'Created' : 'Updated'} ${type}/${version.id}`);
};

/** DELETE [base]/[type]/[id]: soft delete, 204; deleting a deleted resource is also 204. */
export const remove = (deps: Deps) => async (c: FhirContext) => {
  const type = resourceTypeParam(c, deps);
  const id = idParam(c);
  const expected = ifMatch(c);
  const result = await withSession(c, deps, { check: 'access', interaction: 'delete', type }, (repo) => deleteById(repo, type, id, expected));
  versionHeaders(c, result.version);
  return c.body(null, 204);
};

/** DELETE [base]/[type]?criteria (R4 §3.1.0.7.1). */
export const conditionalDelete = (deps: Deps) => async (c: FhirContext) => {
  const type = resourceTypeParam(c, deps);
  const criteria = conditionalQuery(c, type);
  const expected = ifMatch(c);
  const options = interactionOptions(c, deps);
  await withSession(c, deps, { check: 'access', interaction: 'delete', type }, (repo) => deleteMatches(repo, options, type, criteria, expected));
  return c.body(null, 204);
};
