import { FhirError } from '../../core/errors.js';
import type { Repository } from '../repository/repository.js';
import type { StoredVersion } from '../repository/stored-version.js';
import type { DeleteResult } from '../repository/write.js';
import { findMatches, type Criteria } from './criteria.js';
import type { InteractionOptions } from './options.js';

/** DELETE [type]/[id] (R4 §3.1.0.7): soft delete; unknown → 404, a deleted one again is fine. */
export async function deleteById(repo: Repository, type: string, id: string, ifMatch: number | undefined): Promise<DeleteResult> {
  const result = await repo.delete(type, id, ifMatch);
  if (result === undefined) throw FhirError.notFound(`${type}/${id} is not known`);
  return result;
}

/**
 * What a conditional delete removes (R4 §3.1.0.7.1): every match, up to CONDITIONAL_DELETE_MAX;
 * more → 412 (R4 lets a server refuse criteria that are not selective enough).
 *
 * Shared matches are skipped, over HTTP and in a Bundle alike: a tenant reads the shared set but
 * it is not the tenant's to delete, and a criteria delete means "delete what of mine matches",
 * so it should not fail because a shared resource also matches (a transaction used to fail with
 * 409). They still count toward the maximum, which bounds what the criteria select. When nothing
 * of the caller's own matches the answer is as for no match: 404, as an ordinary delete of
 * nothing is (R4: "no matches ... the server performs an ordinary delete"; a transaction used
 * to answer 204).
 */
export async function conditionalDeleteTargets(repo: Repository, options: InteractionOptions, type: string, criteria: Criteria): Promise<StoredVersion[]> {
  const max = options.conditionalDeleteMax;
  const found = await findMatches(repo, options.search, type, criteria, max);
  if (found.length > max) throw FhirError.preconditionFailed(`The criteria match more than ${max} ${type} resources (CONDITIONAL_DELETE_MAX)`);
  const own = found.filter((v) => v.set === repo.own.name);
  if (own.length === 0) throw FhirError.notFound(`No ${type} matches the criteria`);
  return own;
}

/** An If-Match applies to each resource deleted, as it does to the one of an ordinary delete. */
export async function conditionalDelete(repo: Repository, options: InteractionOptions, type: string, criteria: Criteria, ifMatch: number | undefined): Promise<DeleteResult[]> {
  const targets = await conditionalDeleteTargets(repo, options, type, criteria);
  const out: DeleteResult[] = [];
  for (const v of targets) out.push(await deleteById(repo, type, v.id, ifMatch));
  return out;
}
