import type { AccessGate } from '../../auth/gate.js';
import type { PolicyInteraction } from '../../auth/policies.js';
import { FhirError } from '../../core/errors.js';
import { parseSearch } from '../search/parse.js';
import type { Clause, SearchRequest } from '../search/query.js';
import type { StoredVersion } from './stored-version.js';
import { enabledType, type TenantSettings } from '../tenant-settings.js';

/*
 * Access criteria of policies (e.g. `Observation?category=vital-signs`) become search clauses,
 * compiled into the same SQL as any search, never evaluated in memory after the fact.
 */

export function criteriaClause(type: string, criteria: readonly string[]): Clause {
  const options = criteria.map((c) => {
    const query = c.slice(c.indexOf('?') + 1);
    return parseSearch([type], [...new URLSearchParams(query).entries()], { defaultCount: 1, maxCount: 1, base: '', strict: true }).clauses;
  });
  return { kind: 'any', type, options };
}

/** A search that finds exactly which of `ids` meet the criteria. */
export function visibilityRequest(type: string, ids: string[], criteria: readonly string[]): SearchRequest {
  return {
    types: [type], clauses: [{ kind: 'id', ids }, criteriaClause(type, criteria)], count: ids.length, sort: [],
    total: 'none', summary: undefined, elements: undefined, include: [], revinclude: [], ignored: [],
  };
}

/**
 * The search request as the caller may run it: types it may not search are left out (system
 * level; a type-level search was refused before), criteria added per type, count capped.
 */
export function restrictSearch(req: SearchRequest, gate: AccessGate | undefined, settings: TenantSettings | undefined): SearchRequest {
  let types = settings ? req.types.filter((t) => enabledType(settings, t)) : req.types;
  const maxCount = settings?.maxCount;
  const clauses = [...req.clauses];
  if (gate) {
    types = types.filter((t) => gate.check('search', t).allowed);
    for (const t of types) {
      const criteria = gate.check('search', t).criteria;
      if (criteria) clauses.push(criteriaClause(t, criteria));
    }
  }
  if (types.length === 0) throw FhirError.forbidden('Access denied: none of the searched types may be searched');
  return { ...req, types, clauses, count: maxCount === undefined ? req.count : Math.min(req.count, maxCount) };
}

/** Which interaction a write is, for the policies. */
export function writeInteraction(fresh: boolean | undefined, interaction: PolicyInteraction | undefined): PolicyInteraction {
  return interaction ?? (fresh ? 'create' : 'update');
}

export type Visible = (type: string, versions: StoredVersion[], interaction: PolicyInteraction) => Promise<StoredVersion[]>;
