/**
 * What a write of a SearchParameter does besides storing it, in the write's own transaction:
 * the active ones are checked (definition.ts, and here against the scope's other parameters), the
 * index rows of a parameter whose definition changed (or that was retired or deleted) are deleted,
 * and the scope's version number is bumped so every process rebuilds its set (load.ts).
 * Existing resources get rows for a new or changed parameter from $reindex (reindex-operation.ts).
 */
import { FhirError } from '../../core/errors.js';
import type { JsonObject } from '../../core/json.js';
import type { Tx } from '../../db/database.js';
import { run, sql } from '../../db/sql.js';
import type { TableSet } from '../../db/table-set.js';
import { definitionsOf, isActive, type CustomDef } from './definition.js';
import { MAX_PARAMS_PER_SCOPE } from './limits.js';
import type { ParamSet } from './param-set.js';

/** One SearchParameter written (`resource`) or deleted (null). */
export interface SearchParameterChange {
  id: string;
  resource: JsonObject | null;
}

export const SEARCH_PARAMETER = 'SearchParameter';

const signature = (defs: readonly CustomDef[]) => JSON.stringify(defs.map((d) => [d.resourceType, d.code, d.type, d.expression]));

function definedBy(resource: JsonObject | null, set: CustomDef['set']): CustomDef[] {
  if (resource === null || !isActive(resource)) return [];
  try {
    return definitionsOf(resource, set);
  } catch {
    return [];
  }
}

/**
 * 400 when a new definition takes a code another stored parameter applying to the scope (the
 * shared set's included) has on the same base, or when the scope would have too many.
 */
function checkCollisions(params: ParamSet, set: CustomDef['set'], fresh: ReadonlyMap<string, CustomDef[]>): void {
  const name = (d: { set: string; sourceId: string }) => `${d.set === 'shared' ? 'shared ' : ''}SearchParameter/${d.sourceId}`;
  const kept = params.custom.filter((d) => !(d.set === set && fresh.has(d.sourceId)));
  const taken = new Map(kept.map((d) => [`${d.resourceType}|${d.code}`, name(d)]));
  for (const [id, defs] of fresh) {
    for (const d of defs) {
      const other = taken.get(`${d.resourceType}|${d.code}`);
      if (other !== undefined) {
        throw new FhirError(400, 'invalid', `SearchParameter.code "${d.code}" is already used on ${d.resourceType} by ${other}`, { expression: ['SearchParameter.code'] });
      }
    }
    for (const d of defs) taken.set(`${d.resourceType}|${d.code}`, name({ set, sourceId: id }));
  }
  const active = new Set(kept.map(name));
  for (const [id, defs] of fresh) if (defs.length) active.add(name({ set, sourceId: id }));
  if (active.size > MAX_PARAMS_PER_SCOPE) {
    throw new FhirError(400, 'too-costly', `At most ${MAX_PARAMS_PER_SCOPE} active SearchParameters apply to one tenant (its own and the shared set's)`, { expression: ['SearchParameter.status'] });
  }
}

/** Checks, deletes stale index rows, bumps the version: before the write statement runs. */
export async function applySearchParameterChanges(tx: Tx, own: TableSet, params: ParamSet, changes: readonly SearchParameterChange[]): Promise<void> {
  if (changes.length === 0) return;
  const fresh = new Map(changes.map((c) => [c.id, c.resource !== null && isActive(c.resource) ? definitionsOf(c.resource, own.name) : []]));
  checkCollisions(params, own.name, fresh);
  const before = await run<{ id: string; resource: JsonObject }>(tx, sql`select id, resource from ${own.current}
    where ${own.key()}resource_type = ${SEARCH_PARAMETER} and id = any(${changes.map((c) => c.id)}::text[]) and not deleted`);
  const old = new Map(before.map((r) => [r.id, definedBy(r.resource, own.name)]));
  for (const c of changes) {
    const was = old.get(c.id) ?? [];
    const now = fresh.get(c.id) ?? [];
    if (signature(was) === signature(now)) continue;
    // Rows of the old definition, and any left under the new code (a parameter deleted before,
    // or one of the shared set's): only $reindex may write rows for the new definition.
    for (const d of [...was, ...now]) {
      await run(tx, sql`delete from ${own.index(d.type)} where ${own.key()}resource_type = ${d.resourceType} and code = ${d.code}`);
    }
  }
  await run(tx, sql`select fhir_private.bump_search_params()`);
}
