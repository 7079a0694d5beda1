/**
 * The parameter set of a request's scope, cached per process and never stale: each scope's
 * SearchParameter writes bump its version number in their own transaction (writes.ts,
 * sql/0020), and a tenant's transaction starts by reading both numbers with the tenant's row
 * (enter_tenant). A cached set is used while its numbers are the current ones; a tenant with no
 * stored parameter (both numbers 0) gets the R4 set without any lookup.
 */
import type { Tx } from '../../db/database.js';
import type { TenantRecord } from '../../db/doors.js';
import { run, sql } from '../../db/sql.js';
import { SHARED_TABLES, tenantTables, type TableSet } from '../../db/table-set.js';
import type { JsonObject } from '../../core/json.js';
import { definitionsOf, type CustomDef } from './definition.js';
import { BUILT_IN, paramSetOf, type ParamSet } from './param-set.js';
import { MAX_PARAMS_PER_SCOPE } from './limits.js';

/** Tenants whose set one process keeps; past it the oldest entry goes (it is rebuilt on its next request). */
const MAX_CACHED_TENANTS = 1_000;

const tenantSets = new Map<string, ParamSet>();
let sharedDefs: { version: string; defs: readonly CustomDef[] } | undefined;
let sharedSet: ParamSet | undefined;

const versionOf = (v: unknown): string => (v === null || v === undefined ? '0' : String(v));

/** The stored active SearchParameters of one table set, as definitions (oldest id first, so a rebuild is deterministic). */
async function load(tx: Tx, own: TableSet): Promise<CustomDef[]> {
  // At most the write-time cap, read here too: parameters stored some other way (an owner's SQL,
  // a restored dump) cannot make every write evaluate thousands of expressions.
  const rows = await run<{ resource: JsonObject }>(tx, sql`select resource from ${own.current}
    where ${own.key()}resource_type = 'SearchParameter' and not deleted and resource->>'status' = 'active' order by id limit ${MAX_PARAMS_PER_SCOPE}`);
  return rows.flatMap((r) => {
    try {
      return definitionsOf(r.resource, own.name);
    } catch {
      // Checked when written; one that a later release refuses is left out rather than failing every request.
      return [];
    }
  });
}

async function sharedDefsAt(tx: Tx, version: string): Promise<readonly CustomDef[]> {
  if (version === '0') return [];
  if (sharedDefs?.version === version) return sharedDefs.defs;
  const defs = await load(tx, SHARED_TABLES);
  sharedDefs = { version, defs };
  return defs;
}

/** A tenant's set, from the version numbers on its row (db/doors.ts withTenant). */
export async function tenantParamSet(tx: Tx, tenantId: string, row: TenantRecord | undefined): Promise<ParamSet> {
  const own = versionOf(row?.search_params_version);
  const shared = versionOf(row?.shared_search_params_version);
  if (own === '0' && shared === '0') return BUILT_IN;
  const key = `${tenantId}|${own}|${shared}`;
  const hit = tenantSets.get(tenantId);
  if (hit?.key === key) return hit;
  const defs = [...(await sharedDefsAt(tx, shared)), ...(own === '0' ? [] : await load(tx, tenantTables(tenantId)))];
  const set = paramSetOf(key, defs);
  tenantSets.delete(tenantId);
  if (tenantSets.size >= MAX_CACHED_TENANTS) tenantSets.delete(tenantSets.keys().next().value ?? '');
  tenantSets.set(tenantId, set);
  return set;
}

/** The shared base's set: its version is read here (the shared door reads no tenant row). */
export async function sharedParamSet(tx: Tx): Promise<ParamSet> {
  const [row] = await run<{ version: unknown }>(tx, sql`select version from shared_search_params`);
  const version = versionOf(row?.version);
  if (version === '0') return BUILT_IN;
  const key = `shared|${version}`;
  if (sharedSet?.key === key) return sharedSet;
  sharedSet = paramSetOf(key, await sharedDefsAt(tx, version));
  return sharedSet;
}
