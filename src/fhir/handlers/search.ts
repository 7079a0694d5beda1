import type { Deps } from '../../env.js';
import { bundleJson, fullUrl, type EntryParts } from '../bundle.js';
import { withRepository, type FhirContext } from '../context.js';
import { FhirError, outcome, type OutcomeIssue } from '../errors.js';
import { paging, resourceTypeParam } from '../request.js';
import { sendJson } from '../respond.js';
import { pageLinks } from './history.js';

const RESULT_PARAMS = new Set(['_count', '_offset', '_format']);

function strict(c: FhirContext): boolean {
  return /(?:^|[;,\s])handling\s*=\s*strict/i.test(c.req.header('prefer') ?? '');
}

/**
 * GET [base]/[type]: the `_id` parameter and paging. Unknown parameters are ignored and reported
 * in an outcome entry, or refused with `Prefer: handling=strict` (R4 §3.1.1.5.7).
 */
export const search = (deps: Deps) => async (c: FhirContext) => {
  const type = resourceTypeParam(c, deps.config.sharedResourceTypes);
  const { count, offset } = paging(c, deps.config);
  const params = new URL(c.req.url).searchParams;
  const ignored = [...new Set([...params.keys()].filter((k) => k !== '_id' && !RESULT_PARAMS.has(k)))];
  if (ignored.length && strict(c)) throw FhirError.badRequest(`Unknown search parameter(s): ${ignored.join(', ')}`);
  const idValues = params.getAll('_id');
  // Repeated _id is AND (all must hold), commas are OR (R4 §3.1.1.5).
  let ids: string[] | undefined;
  for (const value of idValues) {
    const set = value.split(',').filter(Boolean);
    ids = ids === undefined ? set : ids.filter((id) => set.includes(id));
  }
  const page = await withRepository(c, deps, 'read', (repo) => repo.list(type, { ids, count, offset }));
  const issues: OutcomeIssue[] = ignored.map((k) => ({ severity: 'warning', code: 'not-supported', diagnostics: `Search parameter "${k.slice(0, 80)}" is not supported and was ignored` }));
  const entries: EntryParts[] = page.versions.map((v) => ({ fullUrl: fullUrl(c.var.fhirBase, v), search: { mode: 'match' }, resource: v.body }));
  if (issues.length) entries.push({ search: { mode: 'outcome' }, resource: JSON.stringify(outcome(issues)) });
  return sendJson(c, 200, bundleJson('searchset', { links: pageLinks(c, `/${type}`, offset, count, page.hasMore), entries }));
};
