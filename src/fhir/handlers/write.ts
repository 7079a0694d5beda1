import { randomUUID } from 'node:crypto';
import type { Deps } from '../../env.js';
import { withSession, type FhirContext } from '../context.js';
import { FhirError } from '../errors.js';
import { idParam, ifMatch, readResource, resourceTypeParam, returnPreference } from '../request.js';
import { sendJson, sendWritten, versionHeaders } from '../respond.js';
import { conditionalQuery, criteriaParams, findMatches, searchOptions } from './conditional.js';

/** POST [base]/[type]: the server assigns the id (R4 §3.1.0.8); with If-None-Exist, a conditional create. */
export const create = (deps: Deps) => async (c: FhirContext) => {
  const type = resourceTypeParam(c, deps.config.sharedResourceTypes);
  const body = await readResource(c, type);
  const preference = returnPreference(c);
  const ifNoneExist = c.req.header('if-none-exist');
  const criteria = ifNoneExist === undefined ? undefined : criteriaParams(ifNoneExist, type);
  const id = randomUUID();
  const result = await withSession(c, deps, { check: 'access', interaction: 'create', type }, async (repo) => {
    if (criteria !== undefined) {
      const found = await findMatches(searchOptions(c, deps), repo, type, criteria, 1);
      if (found.length > 1) throw FhirError.preconditionFailed(`If-None-Exist matches more than one ${type}`);
      if (found[0]) return { existing: found[0], written: undefined };
    }
    return { existing: undefined, written: await repo.write(type, id, body, { freshId: true }) };
  });
  const { existing, written } = result;
  if (existing !== undefined || written === undefined) {
    // R4 §3.1.0.8.1: one match → 200 OK, nothing created.
    const v = existing!;
    versionHeaders(c, v);
    c.header('Location', `${c.var.fhirBase}/${type}/${v.id}/_history/${v.versionId}`);
    return preference === 'minimal' ? c.body(null, 200) : sendJson(c, 200, v.body ?? '');
  }
  const { version } = written;
  c.header('Location', `${c.var.fhirBase}/${type}/${id}/_history/${version.versionId}`);
  return sendWritten(c, 201, version, preference, `Created ${type}/${id}`);
};

/** PUT [base]/[type]/[id]: update, or create with the client's id (R4 §3.1.0.4). */
export const update = (deps: Deps) => async (c: FhirContext) => {
  const type = resourceTypeParam(c, deps.config.sharedResourceTypes);
  const id = idParam(c);
  const body = await readResource(c, type);
  if (body.id !== id) {
    throw FhirError.badRequest(
      body.id === undefined ? 'The resource in a PUT must carry its id' : `id "${String(body.id)}" in the body does not match "${id}" in the URL`,
      ['id'],
    );
  }
  const expected = ifMatch(c);
  const preference = returnPreference(c);
  const { version, created } = await withSession(c, deps, { check: 'access', interaction: 'update', type }, (repo) => repo.write(type, id, body, { ifMatch: expected }));
  if (created) c.header('Location', `${c.var.fhirBase}/${type}/${id}/_history/${version.versionId}`);
  return sendWritten(c, created ? 201 : 200, version, preference, `${created ? 'Created' : 'Updated'} ${type}/${id}`);
};

/** PUT [base]/[type]?criteria (R4 §3.1.0.4.3): none → create, one → update it, several → 412. */
export const conditionalUpdate = (deps: Deps) => async (c: FhirContext) => {
  const type = resourceTypeParam(c, deps.config.sharedResourceTypes);
  const criteria = conditionalQuery(c, type);
  const body = await readResource(c, type);
  const expected = ifMatch(c);
  const preference = returnPreference(c);
  const { version, created } = await withSession(c, deps, { check: 'access', interaction: 'update', type }, async (repo) => {
    const found = await findMatches(searchOptions(c, deps), repo, type, criteria, 1);
    if (found.length > 1) throw FhirError.preconditionFailed(`The criteria match more than one ${type}`);
    const match = found[0];
    if (match && body.id !== undefined && body.id !== match.id) {
      throw FhirError.badRequest(`id "${String(body.id)}" in the body is not the id of the matching ${type}`, ['id']);
    }
    if (match?.set === 'shared') throw FhirError.conflict(`The matching ${type}/${match.id} belongs to the shared set`);
    const id = match?.id ?? (typeof body.id === 'string' ? body.id : randomUUID());
    return repo.write(type, id, { ...body, id }, { ifMatch: expected });
  });
  if (created) c.header('Location', `${c.var.fhirBase}/${type}/${version.id}/_history/${version.versionId}`);
  return sendWritten(c, created ? 201 : 200, version, preference, `${created ? 'Created' : 'Updated'} ${type}/${version.id}`);
};

/** DELETE [base]/[type]/[id]: soft delete, 204; deleting a deleted resource is also 204. */
export const remove = (deps: Deps) => async (c: FhirContext) => {
  const type = resourceTypeParam(c, deps.config.sharedResourceTypes);
  const id = idParam(c);
  const expected = ifMatch(c);
  const result = await withSession(c, deps, { check: 'access', interaction: 'delete', type }, (repo) => repo.delete(type, id, expected));
  if (result === undefined) throw FhirError.notFound(`${type}/${id} is not known`);
  versionHeaders(c, result.version);
  return c.body(null, 204);
};

/** DELETE [base]/[type]?criteria (R4 §3.1.0.7.1): every match, up to CONDITIONAL_DELETE_MAX; more → 412. */
export const conditionalDelete = (deps: Deps) => async (c: FhirContext) => {
  const type = resourceTypeParam(c, deps.config.sharedResourceTypes);
  const criteria = conditionalQuery(c, type);
  const max = deps.config.conditionalDeleteMax;
  const deleted = await withSession(c, deps, { check: 'access', interaction: 'delete', type }, async (repo) => {
    const found = (await findMatches(searchOptions(c, deps), repo, type, criteria, max)).filter((v) => v.set !== 'shared');
    if (found.length > max) throw FhirError.preconditionFailed(`The criteria match more than ${max} ${type} resources`);
    for (const v of found) await repo.delete(type, v.id, undefined);
    return found.length;
  });
  if (deleted === 0) throw FhirError.notFound(`No ${type} matches the criteria`);
  return c.body(null, 204);
};
