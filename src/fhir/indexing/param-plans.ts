/**
 * Per resource type, every search parameter compiled once into an evaluator:
 * fast JS accessors where the expression allows, fhirpath.js otherwise.
 */
import { compileFastComposite, compileFhirpathComposite } from './composite.js';
import type { CompositeEvaluator } from './composite.js';
import { compileFastForResource, resourceNode } from './fast-compile.js';
import { compileFhirpath } from './fhirpath-engine.js';
import { isValueType } from './index-values.js';
import type { ValueType } from './index-values.js';
import { getSearchParams } from '../search/registry.js';
import type { SearchParamDef } from '../search/types.js';
import type { TypedValue } from './typed-value.js';

export type Engine = 'fast' | 'fhirpath';

/** `auto` uses fast accessors when possible; `fhirpath` forces fhirpath.js (reference behaviour, tests). */
export type EngineMode = 'auto' | 'fhirpath';

/** Any FHIR resource as parsed JSON; only `resourceType` is relied upon statically. */
export interface Resource {
  readonly resourceType: string;
}

export type ParamPlan =
  | {
      readonly kind: 'values';
      readonly def: SearchParamDef;
      readonly type: ValueType;
      readonly engine: Engine;
      readonly evaluate: (resource: Resource) => TypedValue[];
    }
  | {
      readonly kind: 'composite';
      readonly def: SearchParamDef;
      readonly engine: Engine;
      readonly evaluate: CompositeEvaluator;
    };

export interface SkippedParam {
  readonly def: SearchParamDef;
  readonly reason: string;
}

export interface TypePlans {
  readonly plans: readonly ParamPlan[];
  /** Parameters that produce no rows: special (`near`), no expression (`_text`, `_content`, `_query`), or rejected. */
  readonly skipped: readonly SkippedParam[];
}

function valuesPlan(def: SearchParamDef, type: ValueType, expression: string, mode: EngineMode): ParamPlan {
  const fast = mode === 'auto' ? compileFastForResource(expression, def.resourceType) : null;
  if (fast !== null) {
    return { kind: 'values', def, type, engine: 'fast', evaluate: (r) => fast.run([resourceNode(r)], r) };
  }
  const slow = compileFhirpath(expression);
  return { kind: 'values', def, type, engine: 'fhirpath', evaluate: (r) => slow(r, r) };
}

function compositePlan(def: SearchParamDef, mode: EngineMode): ParamPlan | null {
  const fast = mode === 'auto' ? compileFastComposite(def) : null;
  if (fast !== null) return { kind: 'composite', def, engine: 'fast', evaluate: fast };
  const slow = compileFhirpathComposite(def);
  return slow === null ? null : { kind: 'composite', def, engine: 'fhirpath', evaluate: slow };
}

/** The evaluator of one parameter, or why it has none (also for a tenant's own parameters). */
export function planFor(def: SearchParamDef, mode: EngineMode): ParamPlan | string {
  if (def.type === 'special') return 'special parameter';
  if (def.expression === null) return 'no expression';
  try {
    if (def.type === 'composite') return compositePlan(def, mode) ?? 'unsupported component type';
    if (!isValueType(def.type)) return `unsupported type ${def.type}`;
    return valuesPlan(def, def.type, def.expression, mode);
  } catch (e) {
    return `fhirpath.js rejected the expression: ${e instanceof Error ? e.message : String(e)}`;
  }
}

const cache: Record<EngineMode, Map<string, TypePlans>> = { auto: new Map(), fhirpath: new Map() };

/** Compiled plans for `resourceType`, built on first use and cached. */
export function plansFor(resourceType: string, mode: EngineMode = 'auto'): TypePlans {
  const cached = cache[mode].get(resourceType);
  if (cached) return cached;
  const plans: ParamPlan[] = [];
  const skipped: SkippedParam[] = [];
  for (const def of getSearchParams(resourceType).values()) {
    const p = planFor(def, mode);
    if (typeof p === 'string') skipped.push({ def, reason: p });
    else plans.push(p);
  }
  const result = { plans, skipped };
  cache[mode].set(resourceType, result);
  return result;
}
