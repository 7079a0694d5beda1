import { randomUUID } from 'node:crypto';
import { FhirError } from '../../core/errors.js';
import type { JsonObject } from '../../core/json.js';
import type { Repository } from '../repository/repository.js';
import type { WriteResult } from '../repository/write.js';
import { oneMatch, type Criteria, type SearchOptions } from './criteria.js';

/**
 * The id a conditional update writes (R4 §3.1.0.4.3): no match → the resource's own id, or a new
 * one (create); one match → that resource; several → 412.
 *
 * A resource whose id differs from the single match is refused with 400, over HTTP and in a
 * Bundle alike: R4 says "if the id in the resource does not match the id of the matched
 * resource, the server SHALL return 400". (A transaction used to write the match with the id
 * replaced, silently turning one resource into another.)
 *
 * A match outside the caller's own set (a shared resource, seen from a tenant) is 409: the tenant
 * reads it but may not change it; it is changed through /shared/fhir.
 */
export async function conditionalUpdateId(repo: Repository, search: SearchOptions, type: string, criteria: Criteria, resource: JsonObject): Promise<string> {
  const match = await oneMatch(repo, search, type, criteria, 'The conditional update');
  if (match === undefined) return typeof resource.id === 'string' ? resource.id : randomUUID();
  if (resource.id !== undefined && resource.id !== match.id) {
    throw FhirError.badRequest(`id "${String(resource.id)}" in the resource is not the id of the matching ${type}/${match.id}`, ['id']);
  }
  if (match.set !== repo.own.name) throw FhirError.conflict(`The matching ${type}/${match.id} belongs to the shared set; change it through /shared/fhir`);
  return match.id;
}

export async function conditionalUpdate(
  repo: Repository,
  search: SearchOptions,
  type: string,
  criteria: Criteria,
  resource: JsonObject,
  ifMatch: number | undefined,
): Promise<WriteResult> {
  const id = await conditionalUpdateId(repo, search, type, criteria, resource);
  return repo.write(type, id, { ...resource, id }, { ifMatch });
}
