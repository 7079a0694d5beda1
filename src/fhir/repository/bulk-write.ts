import { randomUUID } from 'node:crypto';
import type { AccessGate } from '../../auth/gate.js';
import { noteWrites } from '../../db/analyze.js';
import type { Tx } from '../../db/database.js';
import { run, sql } from '../../db/sql.js';
import { SHARED_TABLES, tenantTables } from '../../db/table-set.js';
import { FhirError, type OutcomeIssue } from '../../core/errors.js';
import { isId } from '../../core/ids.js';
import { isJsonObject, type Json, type JsonObject } from '../../core/json.js';
import { isResourceType } from '../../core/resource-types.js';
import { validateResource } from '../validation/validate.js';
import { enabledType } from '../tenant-settings.js';
import { indexRowsOf } from './index-writer.js';
import type { ParamSet } from '../custom-params/param-set.js';
import { SEARCH_PARAMETER } from '../custom-params/writes.js';
import { collectReferences, missingReferencesSql, type LocalReference } from './references.js';
import type { StoredVersion } from './stored-version.js';
import { lockCurrent, stored, writeSql, type Current, type Scoped } from './write.js';
import type { IndexRows } from '../indexing/index-rows.js';
import { isShareableType } from './repository.js';

/*
 * Bulk writes (npm run import, $import): many resources of one tenant in one transaction, with
 * what a single create or update does to each (validation, index rows, history, references
 * checked) but a resource that fails fails alone: it is reported with its place in the input and
 * left out, and the others are written. Two steps: prepareBulk is CPU only (no transaction open
 * while it runs, so a caller can prepare the next batch while the last one is written), then
 * writeBulk checks what needs the database, drops what fails, and writes the rest with the same
 * one statement as writeVersions (write.ts): either all of those land or, on a database error,
 * none.
 */

/** One resource as read from the input; `index` is its place there (line or entry), for reports. */
export interface BulkInput {
  index: number;
  resource: Json;
}

export interface BulkFailure {
  index: number;
  type?: string;
  id?: string;
  /** The HTTP status the same write would have had on its own (400, 403, 404, 409, 422). */
  status: number;
  issues: OutcomeIssue[];
}

export interface BulkWritten {
  index: number;
  type: string;
  id: string;
  versionId: number;
  created: boolean;
}

export interface BulkResult {
  written: BulkWritten[];
  failures: BulkFailure[];
}

/** A resource that passed the checks that need no database. */
export interface Prepared {
  index: number;
  type: string;
  id: string;
  input: JsonObject;
  rows: IndexRows;
  refs: LocalReference[];
}

export interface PreparedBatch {
  ready: Prepared[];
  failures: BulkFailure[];
}

/** What the checks of a bulk write follow: the scope's tables, the tenant's settings and the caller's access (none: the operator's own work). */
export interface BulkScope extends Scoped {
  readonly options: Scoped['options'] & { readonly gate?: AccessGate };
  /** The tenant's search parameters (its stored SearchParameters too), known before the CPU-only step. */
  readonly params: ParamSet;
}

/** A BulkScope of one tenant, made without a transaction: prepareBulk runs before the batch's transaction opens. */
export function tenantBulkScope(tenantId: string, options: Omit<BulkScope['options'], 'scope'>, params: ParamSet): BulkScope {
  return {
    own: tenantTables(tenantId),
    options,
    isShareable: (type) => isShareableType(options.sharedTypes, options.storedTypes, type),
    // Loaded with the tenant's row before the batch (custom-params/load.ts): its own SearchParameters index the batch too.
    searchParams: () => Promise.resolve(params),
    params,
  };
}

const key = (type: string, id: string) => `${type}/${id}`;

function failure(index: number, err: unknown, type?: string, id?: string): BulkFailure {
  if (err instanceof FhirError) return { index, type, id, status: err.status, issues: err.toOutcome().issue };
  throw err;
}

function prepareOne(scope: BulkScope, item: BulkInput, lastUpdated: string): Prepared {
  const input = item.resource;
  if (!isJsonObject(input)) throw FhirError.badRequest('Not a JSON object');
  const type = input.resourceType;
  const extra = typeof type === 'string' ? scope.options.storedTypes?.get(type) : undefined;
  if (typeof type !== 'string' || (!extra && !isResourceType(type))) throw FhirError.badRequest('resourceType is missing or not an R4 resource type');
  // A SearchParameter's write checks its expression's cost, its code and the scope's count, and
  // bumps the scope's version (custom-params/writes.ts): a batch does none of that, so neither
  // $import nor npm run import takes one.
  if (type === SEARCH_PARAMETER) throw FhirError.unprocessable('SearchParameter resources are not imported: write them through the REST API (PUT or POST), which checks them');
  if (input.id !== undefined && !isId(input.id)) throw FhirError.badRequest(`Invalid id ${JSON.stringify(input.id)}`, [`${type}.id`]);
  const id = typeof input.id === 'string' ? input.id : randomUUID();
  const settings = scope.options.settings;
  if (settings && !enabledType(settings, type)) throw FhirError.notFound(`${type} is not enabled for this tenant`);
  // Create or update, whichever it turns out to be: the caller must be allowed both, without
  // criteria (a policy's criteria would need a search per resource; such callers use bundles).
  for (const interaction of ['create', 'update'] as const) {
    const d = scope.options.gate?.check(interaction, type);
    if (d && (!d.allowed || d.criteria)) throw FhirError.forbidden(`Access denied: ${interaction} of ${type} is not granted without criteria`);
  }
  // Validated and indexed as stored (meta.versionId is not indexed, so version 1 stands for any).
  const resource = stored({ type, id, input }, 1, lastUpdated);
  if (extra) extra.validate(resource);
  else if (settings?.validation !== false) {
    const issues = validateResource(resource);
    if (issues.length) throw new FhirError(400, 'invalid', `${type}/${id} is not a valid R4 ${type}`, { issues });
  }
  const refs = settings?.referentialIntegrity === false ? [] : collectReferences(input, type).filter((r) => !(r.type === type && r.id === id));
  return { index: item.index, type, id, input, rows: indexRowsOf(resource, scope.params), refs };
}

/**
 * The checks that need no database: a JSON object of an R4 type (or a feature's stored type),
 * a valid id (none: a new UUID), the type enabled for the tenant, the caller's access, structural
 * validation (unless the tenant switched it off), references well-formed; and the index rows.
 * A Type/id twice in one batch: the second fails (one version per resource per batch).
 */
export function prepareBulk(scope: BulkScope, items: readonly BulkInput[]): PreparedBatch {
  const lastUpdated = new Date().toISOString();
  const ready: Prepared[] = [];
  const failures: BulkFailure[] = [];
  const seen = new Set<string>();
  for (const item of items) {
    try {
      const p = prepareOne(scope, item, lastUpdated);
      const k = key(p.type, p.id);
      if (seen.has(k)) throw FhirError.conflict(`${k} appears twice in one batch; each batch writes one version of a resource`);
      seen.add(k);
      ready.push(p);
    } catch (err) {
      const r = isJsonObject(item.resource) ? item.resource : {};
      failures.push(failure(item.index, err, typeof r.resourceType === 'string' ? r.resourceType : undefined, typeof r.id === 'string' ? r.id : undefined));
    }
  }
  return { ready, failures };
}

/**
 * Ids of shareable types are unique across the tenant and the shared set (write.ts
 * assertIdFree): the same advisory locks, taken in one statement in key order (two writers
 * never wait for each other crosswise), then one lookup for all of them.
 */
async function sharedClashes(tx: Tx, scope: BulkScope, items: Prepared[], current: Map<string, Current>): Promise<Set<string>> {
  const fresh = items.filter((p) => scope.isShareable(p.type) && current.get(key(p.type, p.id)) === undefined);
  if (!fresh.length || scope.own.name !== 'tenant') return new Set();
  const keys = [...new Set(fresh.map((p) => key(p.type, p.id)))].sort();
  await run(tx, sql`select count(pg_advisory_xact_lock(hashtextextended(k, 0))) from unnest(${keys}::text[]) as u(k)`);
  const taken = await run<{ k: string }>(tx, sql`select s.resource_type || '/' || s.id as k
    from unnest(${fresh.map((p) => p.type)}::text[], ${fresh.map((p) => p.id)}::text[]) as u(t, i)
    cross join lateral (select resource_type, id from ${SHARED_TABLES.current} where resource_type = u.t and id = u.i) s`);
  return new Set(taken.map((r) => r.k));
}

/**
 * References that resolve neither to a resource written by this batch nor to one stored (own
 * set, or shared for shareable types). A resource left out fails those that point to it unless
 * an earlier version of it is stored, so the loop asks again for those targets only.
 */
async function unresolved(tx: Tx, scope: BulkScope, items: Prepared[], failed: Map<string, BulkFailure>): Promise<void> {
  const asked = new Set<string>();
  for (;;) {
    const good = new Set(items.filter((p) => !failed.has(key(p.type, p.id))).map((p) => key(p.type, p.id)));
    const ask = new Map<string, LocalReference>();
    for (const p of items) {
      if (failed.has(key(p.type, p.id))) continue;
      for (const r of p.refs) {
        const k = key(r.type, r.id);
        if (!good.has(k) && !asked.has(k)) ask.set(k, r);
      }
    }
    if (!ask.size) return;
    for (const k of ask.keys()) asked.add(k);
    const missing = await run<{ t: string; i: string }>(tx, missingReferencesSql(scope.own, [...scope.options.sharedTypes], [...ask.values()]));
    if (!missing.length) continue;
    const gone = new Set(missing.map((m) => key(m.t, m.i)));
    let more = false;
    for (const p of items) {
      const k = key(p.type, p.id);
      if (failed.has(k)) continue;
      const bad = p.refs.filter((r) => gone.has(key(r.type, r.id)));
      if (!bad.length) continue;
      const names = [...new Set(bad.map((r) => key(r.type, r.id)))].join(', ');
      failed.set(k, failure(p.index, FhirError.unprocessable(`Reference to a resource that does not exist here: ${names}`, bad.map((r) => r.path)), p.type, p.id));
      more = true;
    }
    // Targets stored before count as found, so only newly failed resources can fail others.
    if (!more) return;
    for (const k of gone) asked.add(k);
  }
}

/**
 * Writes the prepared resources in the caller's transaction: their current rows locked (PUT
 * semantics: a stored id gets its next version, its index rows replaced), the checks that need
 * the database (ids of shareable types, references) made, and every resource that passed
 * written by one statement. Throws only on a database error, and then nothing of the batch is
 * written (the caller's transaction rolls back).
 */
export async function writeBulk(tx: Tx, scope: BulkScope, batch: PreparedBatch): Promise<BulkResult> {
  const items = batch.ready;
  const current = await lockCurrent(tx, scope.own, items.map((p) => ({ type: p.type, id: p.id })));
  const failed = new Map<string, BulkFailure>();
  for (const k of await sharedClashes(tx, scope, items, current)) {
    const p = items.find((x) => key(x.type, x.id) === k);
    if (p) failed.set(k, failure(p.index, FhirError.conflict(`${k} is already used by the shared set; ids of shareable types are unique across both`), p.type, p.id));
  }
  await unresolved(tx, scope, items, failed);
  const lastUpdated = new Date().toISOString();
  const versions: StoredVersion[] = [];
  const written: BulkWritten[] = [];
  const index = [];
  for (const p of items) {
    if (failed.has(key(p.type, p.id))) continue;
    const before = current.get(key(p.type, p.id));
    const versionId = (before?.version_id ?? 0) + 1;
    versions.push({
      resourceType: p.type, id: p.id, versionId, lastUpdated, deleted: false, body: JSON.stringify(stored(p, versionId, lastUpdated)), set: scope.own.name,
    });
    // Neither a new resource nor a deleted one has index rows to replace.
    index.push({ type: p.type, id: p.id, rows: p.rows, fresh: before === undefined || before.deleted });
    written.push({ index: p.index, type: p.type, id: p.id, versionId, created: before === undefined || before.deleted });
  }
  if (versions.length) {
    await run(tx, writeSql(scope, versions, index, []));
    noteWrites(scope.own.name, versions.length);
  }
  const failures = [...batch.failures, ...failed.values()].sort((a, b) => a.index - b.index);
  return { written, failures };
}
