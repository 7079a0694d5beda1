import { FhirError } from '../../core/errors.js';
import type { Repository } from '../repository/repository.js';
import type { StoredVersion } from '../repository/stored-version.js';
import { parseSearch, type ParseOptions } from '../search/parse.js';

/** How a request searches: the configured page sizes and caps, and the base it came in on. */
export type SearchOptions = Omit<ParseOptions, 'strict'>;

/** Search criteria of a conditional operation, checked selective by criteriaParams. */
export type Criteria = [string, string][];

// Parameters that select resources; the rest (_count, _sort, _summary, ...) shape a result only.
const SELECTIVE_CONTROL = new Set(['_id', '_lastUpdated', '_tag', '_profile', '_security', '_source']);

/**
 * The criteria of a conditional create, update, delete or patch (R4 §3.1.0.8.1, §3.1.0.4.3,
 * §3.1.0.7.1, §3.1.0.6), or of a conditional reference: a query, with or without a leading
 * `[type]?`. At least one parameter must select: `_count=1` alone would match every resource.
 */
export function criteriaParams(raw: string, type: string): Criteria {
  const query = raw.replace(/^\s*(?:[A-Za-z]+)?\?/, '');
  const params = [...new URLSearchParams(query).entries()];
  const selective = params.filter(([k]) => !k.startsWith('_') || SELECTIVE_CONTROL.has(k) || k.startsWith('_has:'));
  if (selective.length === 0) throw FhirError.badRequest(`A conditional ${type} operation needs search criteria`);
  return params;
}

/**
 * Up to `limit + 1` matches, found with the search engine in the write's own transaction after
 * locking the criteria (two concurrent conditional creates cannot both find nothing). Unknown
 * parameters are an error here, never ignored: ignoring one could match far too much.
 */
export async function findMatches(repo: Repository, search: SearchOptions, type: string, params: Criteria, limit: number): Promise<StoredVersion[]> {
  const req = parseSearch([type], params, { ...search, strict: true, params: await repo.searchParams() });
  await repo.lockCriteria(type, new URLSearchParams(params).toString());
  const result = await repo.search({ ...req, count: limit + 1, page: undefined, include: [], revinclude: [], total: 'none', summary: undefined, elements: undefined, sort: [] });
  return result.matches;
}

/** The one match of the criteria, or none; several → 412 (R4: the criteria were not selective enough). */
export async function oneMatch(repo: Repository, search: SearchOptions, type: string, params: Criteria, what: string): Promise<StoredVersion | undefined> {
  const found = await findMatches(repo, search, type, params, 1);
  if (found.length > 1) throw FhirError.preconditionFailed(`${what} matches more than one ${type}`);
  return found[0];
}
