import { randomUUID } from 'node:crypto';
import type { JsonObject } from '../../core/json.js';
import type { Repository } from '../repository/repository.js';
import type { StoredVersion } from '../repository/stored-version.js';
import type { WriteResult } from '../repository/write.js';
import { oneMatch, type Criteria, type SearchOptions } from './criteria.js';

/** What a create comes to before anything is written: an existing match, or a new id. */
export type CreateTarget = { kind: 'existing'; version: StoredVersion } | { kind: 'new'; id: string };

/**
 * POST [type] (R4 §3.1.0.8): the server assigns the id. With If-None-Exist (§3.1.0.8.1): no match
 * → create, one match → that resource (200, nothing created), several → 412. A shared resource
 * the tenant reads counts as a match like its own: it exists, so nothing is created.
 */
export async function createTarget(repo: Repository, search: SearchOptions, type: string, ifNoneExist: Criteria | undefined): Promise<CreateTarget> {
  const existing = ifNoneExist === undefined ? undefined : await oneMatch(repo, search, type, ifNoneExist, 'If-None-Exist');
  return existing ? { kind: 'existing', version: existing } : { kind: 'new', id: randomUUID() };
}

export type CreateResult = { kind: 'existing'; version: StoredVersion } | { kind: 'created'; written: WriteResult };

export async function create(repo: Repository, search: SearchOptions, type: string, resource: JsonObject, ifNoneExist: Criteria | undefined): Promise<CreateResult> {
  const target = await createTarget(repo, search, type, ifNoneExist);
  if (target.kind === 'existing') return target;
  return { kind: 'created', written: await repo.write(type, target.id, resource, { freshId: true }) };
}
