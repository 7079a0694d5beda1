import type { Deps } from '../../env.js';
import { withSession, type FhirContext } from '../context.js';
import { TerminologySource, type TerminologyType } from './source.js';

/**
 * Runs a terminology operation in the request's session: admitted like a search of `type`
 * (the caller's access to each type it then reads is checked by the repository's search), in
 * the request's one transaction, so it sees the tenant's own resources and the shared ones.
 */
export function withTerminology<T>(c: FhirContext, deps: Deps, type: TerminologyType, fn: (source: TerminologySource) => Promise<T>): Promise<T> {
  return withSession(c, deps, { check: 'access', interaction: 'search', type }, (repo) => fn(new TerminologySource({
    search: (req) => repo.search(req),
    scopeKey: repo.scope.kind === 'tenant' ? repo.scope.tenantId : '',
  })));
}
