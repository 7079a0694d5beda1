/**
 * The search parameters one request may use: the R4 ones (registry.ts) plus, on a tenant's base,
 * the SearchParameters of the shared set and of the tenant (src/fhir/custom-params). The query
 * side asks this instead of the registry, so a tenant's own parameters exist only in its requests.
 */
import { getSearchParams } from './registry.js';
import type { SearchParamDef } from './types.js';

export interface ParamLookup {
  /** Every parameter usable on `resourceType` (empty for unknown types). */
  params(resourceType: string): ReadonlyMap<string, SearchParamDef>;
}

/** The R4 parameters only: the shared base without SearchParameters, policies, tests. */
export const BUILT_IN_PARAMS: ParamLookup = { params: getSearchParams };

export function paramOf(lookup: ParamLookup | undefined, resourceType: string, code: string): SearchParamDef | undefined {
  return (lookup ?? BUILT_IN_PARAMS).params(resourceType).get(code);
}
