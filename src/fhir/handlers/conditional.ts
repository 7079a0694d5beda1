import type { Deps } from '../../env.js';
import type { FhirContext } from '../context.js';
import { FhirError } from '../errors.js';
import type { Repository } from '../repository/repository.js';
import type { StoredVersion } from '../repository/stored-version.js';
import { parseSearch, type ParseOptions } from '../search/parse.js';

/**
 * Conditional create, update and delete (R4 §3.1.0.8.1, §3.1.0.4.3, §3.1.0.7.1) find their target
 * with the search engine, in the write's own transaction, after locking the criteria. Unknown
 * parameters are an error here, never ignored: ignoring one could match far too much.
 */
export function criteriaParams(raw: string, type: string): [string, string][] {
  const query = raw.replace(/^\s*(?:[A-Za-z]+)?\?/, '');
  const params = [...new URLSearchParams(query).entries()];
  const selective = params.filter(([k]) => !k.startsWith('_') || k === '_id' || k === '_lastUpdated' || k === '_tag' || k === '_profile' || k === '_security' || k === '_source' || k.startsWith('_has:'));
  if (selective.length === 0) throw FhirError.badRequest(`A conditional ${type} operation needs search criteria`);
  return params;
}

export async function findMatches(
  options: Omit<ParseOptions, 'strict'>,
  repo: Repository,
  type: string,
  params: [string, string][],
  limit: number,
): Promise<StoredVersion[]> {
  const req = parseSearch([type], params, { ...options, strict: true });
  await repo.lockCriteria(type, new URLSearchParams(params).toString());
  const result = await repo.search({ ...req, count: limit + 1, offset: 0, include: [], revinclude: [], total: 'none', summary: undefined, elements: undefined, sort: [] });
  return result.matches;
}

export function conditionalQuery(c: FhirContext, type: string): [string, string][] {
  return criteriaParams(new URL(c.req.url).search, type);
}

/** Search options of a request: the configured page sizes and the base it came in on. */
export function searchOptions(c: FhirContext, deps: Deps): Omit<ParseOptions, 'strict'> {
  return { defaultCount: deps.config.defaultCount, maxCount: deps.config.maxCount, maxSearchParams: deps.config.maxSearchParams, maxSearchValues: deps.config.maxSearchValues, base: c.var.fhirBase };
}
