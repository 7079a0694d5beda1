import { randomUUID } from 'node:crypto';
import type { Deps } from '../../env.js';
import { withRepository, type FhirContext } from '../context.js';
import { FhirError } from '../errors.js';
import { idParam, ifMatch, readResource, resourceTypeParam, returnPreference } from '../request.js';
import { sendWritten, versionHeaders } from '../respond.js';

/** POST [base]/[type]: the server assigns the id (R4 §3.1.0.8); a client id in the body is ignored. */
export const create = (deps: Deps) => async (c: FhirContext) => {
  const type = resourceTypeParam(c, deps.config.sharedResourceTypes);
  const body = await readResource(c, type);
  const preference = returnPreference(c);
  const id = randomUUID();
  const { version } = await withRepository(c, deps, 'write', (repo) => repo.write(type, id, body, { freshId: true }));
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
  const { version, created } = await withRepository(c, deps, 'write', (repo) => repo.write(type, id, body, { ifMatch: expected }));
  if (created) c.header('Location', `${c.var.fhirBase}/${type}/${id}/_history/${version.versionId}`);
  return sendWritten(c, created ? 201 : 200, version, preference, `${created ? 'Created' : 'Updated'} ${type}/${id}`);
};

/** DELETE [base]/[type]/[id]: soft delete, 204; deleting a deleted resource is also 204. */
export const remove = (deps: Deps) => async (c: FhirContext) => {
  const type = resourceTypeParam(c, deps.config.sharedResourceTypes);
  const id = idParam(c);
  const expected = ifMatch(c);
  const result = await withRepository(c, deps, 'write', (repo) => repo.delete(type, id, expected));
  if (result === undefined) throw FhirError.notFound(`${type}/${id} is not known`);
  versionHeaders(c, result.version);
  return c.body(null, 204);
};
