/**
 * Write-time index extraction: evaluates every search parameter of the
 * resource's type and returns the typed rows to store alongside it.
 */
import { emptyIndexRows } from './index-rows.js';
import type { IndexRows } from './index-rows.js';
import { indexValuesOf } from './index-values.js';
import { plansFor } from './param-plans.js';
import type { EngineMode, ParamPlan, Resource } from './param-plans.js';

export interface ExtractOptions {
  /** Default `auto`; `fhirpath` evaluates everything with fhirpath.js (slow, reference behaviour). */
  readonly engine?: EngineMode;
  /**
   * Called when evaluating one parameter throws (fhirpath.js can, on
   * malformed data); that parameter then has no rows for this resource.
   * Without it, the error is rethrown.
   */
  readonly onError?: (code: string, error: unknown) => void;
  /** The plans to evaluate instead of the R4 ones of the type (a tenant's own parameters included). */
  readonly plans?: readonly ParamPlan[];
}

function pushRows<T extends object>(target: ({ readonly code: string } & T)[], code: string, values: readonly T[]): void {
  for (const v of values) target.push({ code, ...v });
}

/** Evaluates fully before pushing, so a throwing parameter leaves no partial rows. */
function addPlanRows(rows: IndexRows, plan: ParamPlan, resource: Resource): void {
  const code = plan.def.code;
  if (plan.kind === 'composite') {
    const found = plan.evaluate(resource);
    for (const components of found) rows.composite.push({ code, components });
    return;
  }
  const typed = plan.evaluate(resource);
  if (typed.length === 0) return;
  switch (plan.type) {
    case 'string':
      return pushRows(rows.string, code, indexValuesOf('string', typed));
    case 'token':
      return pushRows(rows.token, code, indexValuesOf('token', typed));
    case 'reference':
      return pushRows(rows.reference, code, indexValuesOf('reference', typed));
    case 'date':
      return pushRows(rows.date, code, indexValuesOf('date', typed));
    case 'number':
      return pushRows(rows.number, code, indexValuesOf('number', typed));
    case 'quantity':
      return pushRows(rows.quantity, code, indexValuesOf('quantity', typed));
    case 'uri':
      return pushRows(rows.uri, code, indexValuesOf('uri', typed));
  }
}

/**
 * Index rows for `resource`. Unknown resource types yield no rows. Values
 * that cannot be indexed (malformed dates, empty strings) are skipped rather
 * than rejected: validation is not this module's job. References are indexed
 * as written, so transaction `urn:uuid:` references should be rewritten to
 * `Type/id` before extraction.
 */
// Generic so callers may pass any resource shape, including object literals.
export function extractIndexRows<R extends Resource>(resource: R, options: ExtractOptions = {}): IndexRows {
  const rows = emptyIndexRows();
  for (const plan of options.plans ?? plansFor(resource.resourceType, options.engine ?? 'auto').plans) {
    try {
      addPlanRows(rows, plan, resource);
    } catch (e) {
      if (!options.onError) throw e;
      options.onError(plan.def.code, e);
    }
  }
  return rows;
}
