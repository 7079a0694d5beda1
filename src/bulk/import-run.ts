import type { AccessGate } from '../auth/gate.js';
import type { Config } from '../config.js';
import { FhirError } from '../core/errors.js';
import { isJsonObject } from '../core/json.js';
import { sqlState, type Database } from '../db/database.js';
import { withTenant, type TenantRecord } from '../db/doors.js';
import { tenantParamSet } from '../fhir/custom-params/load.js';
import type { StoredType } from '../fhir/extensions.js';
import { fairShare, withSlot } from '../fhir/fair-share.js';
import { prepareBulk, tenantBulkScope, writeBulk, type BulkFailure, type BulkInput, type BulkScope, type PreparedBatch } from '../fhir/repository/bulk-write.js';
import { tenantSettings, type TenantSettings } from '../fhir/tenant-settings.js';
import { advanceCheckpoint, clearCheckpoint, readCheckpoint } from './checkpoint.js';
import type { SourceFormat, SourceItem } from './import-source.js';

/*
 * One import of resources into one tenant, in batches (the CLI and $import both run this): read,
 * prepare (validation, index rows: CPU only) the next batch while the last one is written, and
 * write each batch in one transaction through the tenant door with its checkpoint. At most one
 * batch is written at a time, holding one of the tenant's database slots (fair-share.ts), so an
 * import takes one connection of its tenant's share and never the others'.
 */

export interface ImportTarget {
  db: Database;
  tenant: string;
  config: Pick<Config, 'sharedResourceTypes' | 'tenantPoolShare' | 'cpuWorkSlots' | 'dbStartTimeoutMs'>;
  storedTypes?: ReadonlyMap<string, StoredType>;
  /** The caller's access ($import); absent for the operator's CLI. */
  gate?: AccessGate;
}

export interface ImportInput {
  /** Its checkpoint's key: the same input must have the same source on a rerun. */
  source: string;
  format: SourceFormat;
  items(): AsyncIterable<SourceItem>;
}

/** What one committed batch did. */
export interface BatchReport {
  source: string;
  /** Items of the input consumed through this batch (the checkpoint). */
  position: number;
  written: number;
  created: number;
  failures: BulkFailure[];
}

export interface ImportOptions {
  /** Items per batch (default 1000). */
  batchSize?: number;
  /** Start the input again from its beginning, whatever its checkpoint says. */
  restart?: boolean;
  /** Called after each batch committed, in order. */
  onBatch?(report: BatchReport): void | Promise<void>;
  /** Let other work run between the CPU steps of two batches (in the server). */
  yieldBetween?: boolean;
}

export interface InputSummary {
  source: string;
  written: number;
  failed: number;
  /** The input was finished by an earlier run: nothing read. */
  alreadyDone: boolean;
  /** Items skipped because an earlier run committed them. */
  resumedAt: number;
}

export const DEFAULT_BATCH = 1000;
/** A batch that failed for a reason that may pass on a second try (serialization, deadlock, a concurrent insert of the same id). */
const RETRIED = new Set(['40001', '40P01', '23505']);
const ATTEMPTS = 3;

/** NDJSON counts lines from 1; a Bundle's entries count from 0: the position is the number consumed. */
const ordinal = (format: SourceFormat, item: SourceItem) => (format === 'ndjson' ? item.index : item.index + 1);

function admitted(tenant: string, row: TenantRecord | undefined): TenantSettings {
  if (row === undefined) throw FhirError.notFound(`Unknown tenant "${tenant}"`);
  if (row.status !== 'active') throw FhirError.forbidden(`Tenant "${tenant}" is suspended`);
  return tenantSettings(row);
}

/** The tenant's transaction, holding one of its database slots; waits its turn however long the tenant's other work takes. */
async function inTenant<T>(target: ImportTarget, fn: Parameters<typeof withTenant<T>>[2]): Promise<T> {
  const share = fairShare(target.db, target.config);
  for (;;) {
    try {
      return await withSlot(share.db, target.tenant, target.config.dbStartTimeoutMs, () => withTenant(target.db, target.tenant, fn));
    } catch (err) {
      if (!(err instanceof FhirError && err.status === 503 && err.code === 'throttled')) throw err;
    }
  }
}

/** The scope a whole import is checked against: the tenant's settings when it starts. */
export async function importScope(target: ImportTarget): Promise<BulkScope> {
  const { settings, params } = await inTenant(target, async (tx, row) => ({ settings: admitted(target.tenant, row), params: await tenantParamSet(tx, target.tenant, row) }));
  return tenantBulkScope(target.tenant, { sharedTypes: target.config.sharedResourceTypes, storedTypes: target.storedTypes, settings, gate: target.gate }, params);
}

async function commit(target: ImportTarget, scope: BulkScope, source: string, batch: PreparedBatch, position: number): Promise<BatchReport> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await inTenant(target, async (tx, row) => {
        admitted(target.tenant, row);
        const result = await writeBulk(tx, scope, batch);
        await advanceCheckpoint(tx, target.tenant, source, { position, written: result.written.length, failed: result.failures.length, done: false });
        return { source, position, written: result.written.length, created: result.written.filter((w) => w.created).length, failures: result.failures };
      });
    } catch (err) {
      const state = sqlState(err);
      if (attempt >= ATTEMPTS || state === undefined || !RETRIED.has(state)) throw err;
    }
  }
}

const keyOf = (item: BulkInput) => (isJsonObject(item.resource) && typeof item.resource.id === 'string' ? `${String(item.resource.resourceType)}/${item.resource.id}` : undefined);

/**
 * Imports one input from its checkpoint on. Throws when a batch cannot be written (a database
 * error, the tenant suspended): that batch and everything after it are not written, and the
 * checkpoint stays at the batch before, where a rerun starts.
 */
export async function importInput(target: ImportTarget, scope: BulkScope, input: ImportInput, options: ImportOptions = {}): Promise<InputSummary> {
  const size = Math.max(1, options.batchSize ?? DEFAULT_BATCH);
  const { source, format } = input;
  const before = await inTenant(target, async (tx, row) => {
    admitted(target.tenant, row);
    if (options.restart) await clearCheckpoint(tx, target.tenant, source);
    return options.restart ? undefined : readCheckpoint(tx, target.tenant, source);
  });
  const summary: InputSummary = { source, written: 0, failed: 0, alreadyDone: before?.done === true, resumedAt: before?.position ?? 0 };
  if (before?.done) return summary;
  const start = before?.position ?? 0;

  let inflight: Promise<void> = Promise.resolve();
  let items: BulkInput[] = [];
  let unread: BulkFailure[] = [];
  let keys = new Set<string>();
  let end = start;

  const flush = async () => {
    if (!items.length && !unread.length) return;
    if (options.yieldBetween) await new Promise((resolve) => setImmediate(resolve));
    const prepared = prepareBulk(scope, items);
    const batch = { ready: prepared.ready, failures: [...unread, ...prepared.failures] };
    const position = end;
    items = [];
    unread = [];
    keys = new Set();
    await inflight; // the previous batch: one at a time, in order
    inflight = commit(target, scope, source, batch, position).then(async (report) => {
      summary.written += report.written;
      summary.failed += report.failures.length;
      await options.onBatch?.(report);
    });
    inflight.catch(() => {}); // awaited at the next flush or at the end
  };

  for await (const item of input.items()) {
    const at = ordinal(format, item);
    if (at <= start) continue;
    if ('error' in item) {
      unread.push({ index: item.index, status: 400, issues: [{ severity: 'error', code: 'structure', diagnostics: item.error }] });
    } else {
      const entry = { index: item.index, resource: item.resource };
      const k = keyOf(entry);
      // A batch writes one version of each resource: the same id again starts the next batch.
      if (k !== undefined && keys.has(k)) await flush();
      items.push(entry);
      if (k !== undefined) keys.add(k);
    }
    end = at;
    if (items.length + unread.length >= size) await flush();
  }
  await flush();
  await inflight;
  await inTenant(target, async (tx, row) => {
    admitted(target.tenant, row);
    await advanceCheckpoint(tx, target.tenant, source, { position: end, written: 0, failed: 0, done: true });
  });
  return summary;
}
