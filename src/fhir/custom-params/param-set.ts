/**
 * The search parameters of one scope: the R4 ones plus SearchParameters stored in the shared set
 * and, for a tenant, its own. Built once per version of those (load.ts), then read by every
 * request of the scope: the query side (ParamLookup) and the write side (plans).
 */
import { planFor, plansFor, type ParamPlan } from '../indexing/param-plans.js';
import type { ParamLookup } from '../search/param-lookup.js';
import { getSearchParams } from '../search/registry.js';
import type { SearchParamDef } from '../search/types.js';
import type { CustomDef } from './definition.js';

export interface ParamSet extends ParamLookup {
  /** Identifies the set's content ('r4' for the built-in one): capability caches are keyed by it. */
  readonly key: string;
  /** The stored parameters of the set, one def per base type (CapabilityStatement, tests). */
  readonly custom: readonly CustomDef[];
  /** The evaluators of every parameter of `resourceType`, for the index rows of a write. */
  plans(resourceType: string): readonly ParamPlan[];
}

export const BUILT_IN: ParamSet = {
  key: 'r4',
  custom: [],
  params: getSearchParams,
  plans: (type) => plansFor(type).plans,
};

/**
 * `custom`: later definitions win over earlier ones with the same code and base (a tenant's own
 * over the shared set's); none replaces an R4 parameter (validate.ts refuses those codes).
 */
export function paramSetOf(key: string, custom: readonly CustomDef[]): ParamSet {
  if (custom.length === 0) return { ...BUILT_IN, key };
  const byType = new Map<string, Map<string, CustomDef>>();
  for (const def of custom) {
    let m = byType.get(def.resourceType);
    if (!m) byType.set(def.resourceType, (m = new Map()));
    m.set(def.code, def);
  }
  const params = new Map<string, ReadonlyMap<string, SearchParamDef>>();
  const plans = new Map<string, readonly ParamPlan[]>();
  return {
    key,
    custom: [...byType.values()].flatMap((m) => [...m.values()]),
    params(type) {
      const own = byType.get(type);
      if (!own) return getSearchParams(type);
      let all = params.get(type);
      if (!all) params.set(type, (all = new Map([...getSearchParams(type), ...own])));
      return all;
    },
    plans(type) {
      const own = byType.get(type);
      if (!own) return plansFor(type).plans;
      let all = plans.get(type);
      if (!all) {
        const extra = [...own.values()].map((d) => planFor(d, 'auto')).filter((p): p is ParamPlan => typeof p !== 'string');
        plans.set(type, (all = [...plansFor(type).plans, ...extra]));
      }
      return all;
    },
  };
}
