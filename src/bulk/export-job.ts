import type { Tx } from '../db/database.js';
import { tenantTables } from '../db/table-set.js';
import { isJsonObject, type Json, type JsonObject } from '../core/json.js';
import { visibilityRequest } from '../fhir/repository/access.js';
import { runSearch, searchScope } from '../fhir/repository/search.js';
import { patientCompartmentParams } from '../fhir/search/registry.js';
import type { Clause } from '../fhir/search/query.js';
import { enabledType, tenantSettings } from '../fhir/tenant-settings.js';
import type { Job } from './jobs.js';
import type { JobHandler, StepContext, StepResult } from './runner.js';

/*
 * The `export` job kind: one step reads at most BULK_CHUNK_SIZE current resources of one type in
 * key order (the primary key, tenant-leading), keeps those the request selects, and appends them
 * as one part of the type's NDJSON file. The checkpoint is the type and the last id read, so a
 * resumed job reads on from there and writes nothing twice.
 *
 * What a resource must meet, beyond its type: changed after _since and not after the kick-off
 * (the manifest's transactionTime), in the Patient compartment of the listed patients (Patient
 * and Group level), and, when the caller's access has criteria or the request has _typeFilter, a
 * search restricted to the chunk's ids (the search machinery decides, as for any search).
 */

/** One exported type, as the kick-off resolved it against the caller's access. */
export interface ExportType {
  type: string;
  /** The caller's access criteria (`Type?query`), undefined: none. */
  criteria?: string[];
  /** _typeFilter queries of this type (`Type?query`), any of which a resource must meet. */
  filters?: string[];
}

/** bulk_job.request of an export. */
export interface ExportRequest {
  /** The kick-off URL (the manifest's `request`). */
  url: string;
  /** Who kicked it off (client id), or null: only they may poll and download. */
  client: string | null;
  level: 'system' | 'patient' | 'group';
  types: ExportType[];
  since: string | null;
  /** Patient and Group level: the patients whose compartments are exported; null: every patient. */
  patients: string[] | null;
}

interface ExportProgress {
  /** Index into request.types of the type being read. */
  type: number;
  /** Last id read of that type. */
  after: string;
  /** Resources written per type. */
  counts: Record<string, number>;
}

/** Statements one step may run over types that turn out to be empty, before it checkpoints. */
const MAX_QUERIES_PER_STEP = 64;

function strings(v: Json | undefined): string[] | undefined {
  return Array.isArray(v) && v.every((x) => typeof x === 'string') ? v.filter((x): x is string => typeof x === 'string') : undefined;
}

/** The request as stored (written by the kick-off; read back leniently: a malformed field is absent). */
export function exportRequestOf(json: JsonObject): ExportRequest {
  const types = Array.isArray(json.types) ? json.types.filter(isJsonObject).flatMap((t): ExportType[] => (typeof t.type === 'string'
    ? [{ type: t.type, criteria: strings(t.criteria), filters: strings(t.filters) }] : [])) : [];
  const level = json.level === 'patient' || json.level === 'group' ? json.level : 'system';
  return {
    url: typeof json.url === 'string' ? json.url : '',
    client: typeof json.client === 'string' ? json.client : null,
    level,
    types,
    since: typeof json.since === 'string' ? json.since : null,
    patients: strings(json.patients) ?? null,
  };
}

export function toJson(req: ExportRequest): JsonObject {
  return {
    url: req.url, client: req.client, level: req.level, since: req.since, patients: req.patients,
    types: req.types.map((t) => ({ type: t.type, ...(t.criteria ? { criteria: t.criteria } : {}), ...(t.filters ? { filters: t.filters } : {}) })),
  };
}

function progressOf(json: JsonObject): ExportProgress {
  const counts: Record<string, number> = {};
  if (isJsonObject(json.counts)) for (const [k, v] of Object.entries(json.counts)) if (typeof v === 'number') counts[k] = v;
  return { type: typeof json.type === 'number' ? json.type : 0, after: typeof json.after === 'string' ? json.after : '', counts };
}

/** The NDJSON file of a type's resources (one per type). */
export function fileName(type: string): string {
  return `${type}.ndjson`;
}

/** Resources of one type after `after`, in id order, that the level and times select. */
async function readChunk(tx: Tx, job: Job, req: ExportRequest, type: string, after: string, limit: number) {
  const params: unknown[] = [job.tenantId, type, after, job.transactionTime, limit];
  const where: string[] = [];
  if (req.since !== null) {
    params.push(req.since);
    where.push(`and r.last_updated > $${params.length}::timestamptz`);
  }
  if (req.level !== 'system') {
    params.push(req.patients);
    const patients = `$${params.length}::text[]`;
    if (type === 'Patient') {
      where.push(`and (${patients} is null or r.id = any(${patients}))`);
    } else {
      params.push([...patientCompartmentParams(type)]);
      where.push(`and exists (select 1 from search_reference x where x.tenant_id = $1 and x.resource_type = $2 and x.id = r.id
        and x.code = any($${params.length}::text[]) and x.target_type = 'Patient' and (${patients} is null or x.target_id = any(${patients})))`);
    }
  }
  return tx.query<{ id: string; body: string }>(
    `select r.id, r.resource::text as body from resource r
      where r.tenant_id = $1 and r.resource_type = $2 and r.id > $3 and not r.deleted and r.last_updated <= $4::timestamptz
      ${where.join('\n      ')}
      order by r.id limit $5`, params);
}

/** Of the chunk's ids, those meeting the caller's criteria and any of the type's filters (one search). */
async function selected(tx: Tx, job: Job, t: ExportType, ids: string[]): Promise<Set<string> | undefined> {
  if (!t.criteria && !t.filters) return undefined;
  const base = visibilityRequest(t.type, ids, t.criteria ?? t.filters ?? []);
  const extra: Clause[] = t.criteria && t.filters ? visibilityRequest(t.type, ids, t.filters).clauses.slice(1) : [];
  const found = await runSearch(tx, searchScope(tenantTables(job.tenantId), () => false), { ...base, clauses: [...base.clauses, ...extra] });
  return new Set(found.matches.map((v) => v.id));
}

async function step(tx: Tx, job: Job, ctx: StepContext): Promise<StepResult> {
  const req = exportRequestOf(job.request);
  const p = progressOf(job.progress);
  const settings = tenantSettings(ctx.tenant);
  let budget = ctx.chunkSize;
  for (let queries = 0; p.type < req.types.length && budget > 0 && queries < MAX_QUERIES_PER_STEP; queries++) {
    const t = req.types[p.type]!;
    if (!enabledType(settings, t.type)) {
      // Disabled for the tenant since the kick-off: it does not exist there any more.
      p.type += 1;
      p.after = '';
      continue;
    }
    const limit = budget;
    const rows = await readChunk(tx, job, req, t.type, p.after, limit);
    const keep = rows.length ? await selected(tx, job, t, rows.map((r) => r.id)) : undefined;
    const lines = keep ? rows.filter((r) => keep.has(r.id)) : rows;
    if (lines.length) {
      await ctx.appendFile({ kind: 'output', type: t.type, file: fileName(t.type), ndjson: lines.map((r) => `${r.body}\n`).join(''), count: lines.length });
      p.counts[t.type] = (p.counts[t.type] ?? 0) + lines.length;
    }
    budget -= rows.length;
    const last = rows[rows.length - 1];
    if (rows.length < limit || last === undefined) {
      // The type is exhausted: the next one starts from its first id.
      p.type += 1;
      p.after = '';
    } else {
      p.after = last.id;
    }
  }
  return { progress: { type: p.type, after: p.after, counts: p.counts }, done: p.type >= req.types.length };
}

export const EXPORT_JOB: JobHandler = { step };

/** What X-Progress says of a running export. */
export function exportProgressText(job: Job): string {
  const req = exportRequestOf(job.request);
  const p = progressOf(job.progress);
  const written = Object.values(p.counts).reduce((a, b) => a + b, 0);
  const current = req.types[p.type]?.type;
  return `${Math.min(p.type, req.types.length)} of ${req.types.length} types done, ${written} resources written${current ? `; reading ${current}` : ''}`;
}
