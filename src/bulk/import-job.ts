import type { Config } from '../config.js';
import { FhirError, outcome } from '../core/errors.js';
import { isJsonObject, type Json, type JsonObject } from '../core/json.js';
import type { Tx } from '../db/database.js';
import { tenantParamSet } from '../fhir/custom-params/load.js';
import { prepareBulk, tenantBulkScope, writeBulk, type BulkFailure, type BulkInput } from '../fhir/repository/bulk-write.js';
import { tenantSettings } from '../fhir/tenant-settings.js';
import type { Job } from './jobs.js';
import type { JobHandler, StepContext, StepResult } from './runner.js';

/*
 * The `import` job kind ($import, import-operation.ts). Its input is NDJSON kept in import_chunk
 * rows (sql/0019) of at most one batch of lines each: uploaded with the kick-off, or fetched by
 * the job's first steps from URLs the configuration allows. Every later step writes one chunk
 * as one batch (bulk-write.ts) in the runner's transaction, appends the chunk's failures to the
 * job's error file and moves the checkpoint on: all three commit together or not at all, so a
 * resumed job writes nothing twice.
 */

export interface ImportInputRequest {
  /** Absent: uploaded with the kick-off (its chunks exist already). */
  url?: string;
  type?: string;
}

/** bulk_job.request of an import. */
export interface ImportRequest {
  url: string;
  client: string | null;
  inputs: ImportInputRequest[];
  /** The types the caller may both create and update without criteria; the others fail (403). */
  types: string[];
}

interface ImportProgress {
  /** Inputs fetched so far (uploads count as fetched). */
  fetched: number;
  /** Chunks written so far (the next is seq + 1). */
  seq: number;
  /** Chunks in all, once everything is fetched. */
  chunks: number;
  written: number;
  created: number;
  failed: number;
}

/** Lines per chunk: one step's batch. Small enough that preparing it (CPU, ~0.1 ms a resource) keeps the event loop responsive. */
export const IMPORT_CHUNK_LINES = 250;

/** Splits NDJSON into chunks of IMPORT_CHUNK_LINES lines, each with the number of its first line. */
export function chunkLines(text: string): { firstLine: number; ndjson: string }[] {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  const out: { firstLine: number; ndjson: string }[] = [];
  for (let i = 0; i < lines.length; i += IMPORT_CHUNK_LINES) out.push({ firstLine: i + 1, ndjson: lines.slice(i, i + IMPORT_CHUNK_LINES).join('\n') });
  return out;
}

export async function insertChunks(tx: Tx, job: Pick<Job, 'tenantId' | 'id'>, input: number, after: number, chunks: { firstLine: number; ndjson: string }[]): Promise<number> {
  if (!chunks.length) return after;
  await tx.query(
    `insert into import_chunk (tenant_id, job_id, seq, input, first_line, ndjson)
     select $1, $2::uuid, $3 + n, $4, f, t from unnest($5::int[], $6::text[]) with ordinality as u(f, t, n)`,
    [job.tenantId, job.id, after, input, chunks.map((c) => c.firstLine), chunks.map((c) => c.ndjson)],
  );
  return after + chunks.length;
}

/** The allowed URL prefixes and the size bound, checked at kick-off and again before each fetch. */
export function assertReadable(url: string, config: Pick<Config, 'bulk'>): void {
  if (!config.bulk.importUrlPrefixes.some((p) => isUnder(url, p))) {
    throw FhirError.badRequest(`This server may not read ${url.slice(0, 200)}: only URLs under IMPORT_URL_PREFIXES are read (none when it is unset)`);
  }
}

/**
 * Compared as parsed URLs, not strings: the same origin (so `https://files.example` does not admit
 * `https://files.example.evil.com`), no credentials, and the path at or below the prefix's after
 * normalization (`/exports/../secret` is `/secret`).
 */
function isUnder(url: string, prefix: string): boolean {
  let u: URL;
  let p: URL;
  try {
    u = new URL(url);
    p = new URL(prefix);
  } catch {
    return false;
  }
  if (u.origin !== p.origin || u.username !== '' || u.password !== '') return false;
  const dir = p.pathname.endsWith('/') ? p.pathname : `${p.pathname}/`;
  return u.pathname === p.pathname || u.pathname.startsWith(dir);
}

async function fetchText(url: string, max: number): Promise<string> {
  const res = await fetch(url, { redirect: 'error', signal: AbortSignal.timeout(60_000) });
  if (!res.ok || res.body === null) throw FhirError.badRequest(`Fetching ${url.slice(0, 200)} answered ${res.status}`);
  const parts: Uint8Array[] = [];
  let size = 0;
  for await (const part of res.body) {
    size += part.length;
    if (size > max) throw FhirError.tooLarge(`${url.slice(0, 200)} is larger than IMPORT_MAX_BYTES (${max} bytes)`);
    parts.push(part);
  }
  return Buffer.concat(parts).toString('utf8');
}

function progressOf(job: Job): ImportProgress {
  const p = job.progress;
  const n = (v: Json | undefined) => (typeof v === 'number' ? v : 0);
  return { fetched: n(p.fetched), seq: n(p.seq), chunks: n(p.chunks), written: n(p.written), created: n(p.created), failed: n(p.failed) };
}

function requestOf(job: Job): ImportRequest {
  const r = job.request;
  const inputs = Array.isArray(r.inputs) ? r.inputs.filter(isJsonObject).map((i) => ({ url: typeof i.url === 'string' ? i.url : undefined })) : [];
  const types = Array.isArray(r.types) ? r.types.filter((t): t is string => typeof t === 'string') : [];
  return { url: String(r.url ?? ''), client: typeof r.client === 'string' ? r.client : null, inputs, types };
}

const asJson = (p: ImportProgress): JsonObject => ({ ...p });

/** One line of the job's error file: an OperationOutcome naming the input, line and resource. */
function errorLine(input: number, f: BulkFailure): string {
  const where = `input ${input} line ${f.index}${f.type ? ` (${f.type}${f.id ? `/${f.id}` : ''})` : ''}`;
  return JSON.stringify(outcome(f.issues.map((i) => ({ ...i, diagnostics: `${where}: ${i.diagnostics ?? i.code}` }))));
}

export function importJob(config: Pick<Config, 'bulk' | 'sharedResourceTypes'>): JobHandler {
  return {
    async step(tx: Tx, job: Job, ctx: StepContext): Promise<StepResult> {
      const request = requestOf(job);
      const progress = progressOf(job);
      if (progress.fetched < request.inputs.length) {
        const input = request.inputs[progress.fetched];
        if (input?.url !== undefined) {
          assertReadable(input.url, config);
          const [used] = await tx.query<{ n: number }>('select coalesce(sum(length(ndjson)), 0)::int as n from import_chunk where tenant_id = $1 and job_id = $2::uuid', [job.tenantId, job.id]);
          const text = await fetchText(input.url, config.bulk.importMaxBytes - (used?.n ?? 0));
          progress.chunks = await insertChunks(tx, job, progress.fetched, progress.chunks, chunkLines(text));
        }
        progress.fetched++;
        return { progress: asJson(progress), done: false };
      }
      if (progress.seq >= progress.chunks) return { progress: asJson(progress), done: true };
      const [chunk] = await tx.query<{ input: number; first_line: number; ndjson: string }>(
        'select input, first_line, ndjson from import_chunk where tenant_id = $1 and job_id = $2::uuid and seq = $3',
        [job.tenantId, job.id, progress.seq + 1],
      );
      progress.seq++;
      if (chunk === undefined) return { progress: asJson(progress), done: progress.seq >= progress.chunks };
      // Read once: it goes with the step that writes it (and comes back if the step rolls back).
      await tx.query('delete from import_chunk where tenant_id = $1 and job_id = $2::uuid and seq = $3', [job.tenantId, job.id, progress.seq]);
      const allowed = new Set(request.types);
      const items: BulkInput[] = [];
      const failures: BulkFailure[] = [];
      chunk.ndjson.split('\n').forEach((line, i) => {
        const index = chunk.first_line + i;
        if (!line.trim()) return;
        let resource: Json;
        try {
          resource = JSON.parse(line) as Json;
        } catch {
          failures.push({ index, status: 400, issues: [{ severity: 'error', code: 'structure', diagnostics: 'Not JSON' }] });
          return;
        }
        const type = isJsonObject(resource) && typeof resource.resourceType === 'string' ? resource.resourceType : undefined;
        if (type !== undefined && !allowed.has(type)) {
          failures.push({ index, type, status: 403, issues: [{ severity: 'error', code: 'forbidden', diagnostics: `Access denied: the kick-off's caller may not create and update ${type} without criteria` }] });
          return;
        }
        items.push({ index, resource });
      });
      const scope = tenantBulkScope(job.tenantId, { sharedTypes: config.sharedResourceTypes, settings: tenantSettings(ctx.tenant) }, await tenantParamSet(tx, job.tenantId, ctx.tenant));
      const prepared = prepareBulk(scope, items);
      const result = await writeBulk(tx, scope, { ready: prepared.ready, failures: [...failures, ...prepared.failures] });
      if (result.failures.length) {
        await ctx.appendFile({ kind: 'error', type: 'OperationOutcome', file: 'errors.ndjson', ndjson: result.failures.map((f) => errorLine(chunk.input, f)).join('\n'), count: result.failures.length });
      }
      progress.written += result.written.length;
      progress.created += result.written.filter((w) => w.created).length;
      progress.failed += result.failures.length;
      return { progress: asJson(progress), done: progress.seq >= progress.chunks };
    },
  };
}
