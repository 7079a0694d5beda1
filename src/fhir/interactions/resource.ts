import { FhirError } from '../../core/errors.js';
import { isJsonObject, type JsonObject } from '../../core/json.js';
import { isId } from '../../core/ids.js';

/**
 * The resource a create or update carries (an HTTP body or a Bundle entry's resource): an object
 * of the type the request names, with a valid id if any and an object meta. Everything else about
 * it is checked by validation when it is written.
 */
export function checkResource(body: unknown, type: string): JsonObject {
  if (!isJsonObject(body)) throw FhirError.badRequest('The body must be a JSON object (a FHIR resource)');
  if (body.resourceType !== type) {
    throw FhirError.badRequest(`resourceType "${String(body.resourceType)}" does not match "${type}" of the request`, ['resourceType']);
  }
  if (body.id !== undefined && !isId(body.id)) throw FhirError.badRequest('Invalid id in the resource', ['id']);
  if (body.meta !== undefined && !isJsonObject(body.meta)) throw FhirError.badRequest('meta must be an object', ['meta']);
  return body;
}

/** PUT [type]/[id] (R4 §3.1.0.4): the resource carries the id of the URL. */
export function assertIdOfUrl(resource: JsonObject, id: string): void {
  if (resource.id === id) return;
  throw FhirError.badRequest(
    resource.id === undefined ? 'The resource in a PUT must carry its id' : `id "${String(resource.id)}" in the resource does not match "${id}" in the URL`,
    ['id'],
  );
}
