import type { Tx } from '../db/database.js';
import type { JsonObject } from '../core/json.js';
import type { OperationOutcome } from '../core/errors.js';

/*
 * The rows of a Bulk Data job (sql/0018): bulk_job and the parts of its files, bulk_file. Every
 * function takes a transaction opened by a door for the tenant (a request's session, or the
 * runner's withTenant), so RLS decides what exists: another tenant's job is simply not found.
 * The queries still name the tenant, for the tenant-leading keys.
 */

export type JobKind = 'export' | 'import';
export type JobStatus = 'queued' | 'running' | 'completed' | 'failed' | 'cancelled';

export interface Job {
  tenantId: string;
  id: string;
  kind: JobKind;
  status: JobStatus;
  /** What the kick-off asked for (kind-specific). */
  request: JsonObject;
  /** The kind's checkpoint, written with each committed step. */
  progress: JsonObject;
  /** ISO instant: the kick-off (R4 instant, what the manifest's transactionTime says). */
  transactionTime: string;
  error: OperationOutcome | null;
  updatedAt: string;
  expiresAt: string | null;
}

interface JobRow {
  [column: string]: unknown;
  tenant_id: string;
  id: string;
  kind: JobKind;
  status: JobStatus;
  request: JsonObject;
  progress: JsonObject;
  transaction_time: string;
  error: OperationOutcome | null;
  updated_at: string;
  expires_at: string | null;
}

const INSTANT = (column: string) => `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as ${column}`;
const JOB_COLUMNS = `tenant_id, id::text as id, kind, status, request, progress, ${INSTANT('transaction_time')}, error, ${INSTANT('updated_at')}, ${INSTANT('expires_at')}`;

function toJob(r: JobRow): Job {
  return {
    tenantId: r.tenant_id, id: r.id, kind: r.kind, status: r.status, request: r.request, progress: r.progress,
    transactionTime: r.transaction_time, error: r.error, updatedAt: r.updated_at, expiresAt: r.expires_at,
  };
}

/** Job ids are uuids: anything else names no job (and must not reach a uuid cast: 22P02). */
export const JOB_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A queued job; the runner picks it up (wake it with wakeRunner for a prompt start). */
export async function createJob(tx: Tx, tenantId: string, kind: JobKind, request: JsonObject): Promise<Job> {
  const [row] = await tx.query<JobRow>(
    `insert into bulk_job (tenant_id, kind, request) values ($1, $2, $3::text::jsonb) returning ${JOB_COLUMNS}`,
    [tenantId, kind, JSON.stringify(request)],
  );
  if (row === undefined) throw new Error('insert into bulk_job returned no row');
  return toJob(row);
}

/** The job, or undefined when the tenant has none of that id (RLS: another tenant's is none). */
export async function getJob(tx: Tx, tenantId: string, id: string): Promise<Job | undefined> {
  if (!JOB_ID.test(id)) return undefined;
  const [row] = await tx.query<JobRow>(`select ${JOB_COLUMNS} from bulk_job where tenant_id = $1 and id = $2::uuid`, [tenantId, id]);
  return row && toJob(row);
}

/** Jobs of the tenant not yet ended (a cap on kick-offs). */
export async function activeJobs(tx: Tx, tenantId: string): Promise<number> {
  const [row] = await tx.query<{ n: number }>(
    "select count(*)::int as n from bulk_job where tenant_id = $1 and status in ('queued', 'running')", [tenantId]);
  return row?.n ?? 0;
}

/**
 * Cancels the job (DELETE on the status URL): its files are deleted at once, the row stays
 * (status cancelled, never claimed again) until it expires, so the runner stops at its next step.
 * A step in progress holds the job's row lock: this waits for that step to commit, then removes
 * what it wrote too. False when there is no such job, or it was already cancelled.
 */
export async function cancelJob(tx: Tx, tenantId: string, id: string, ttlSeconds: number): Promise<boolean> {
  if (!JOB_ID.test(id)) return false;
  const rows = await tx.query(
    `update bulk_job set status = 'cancelled', updated_at = now(), expires_at = now() + make_interval(secs => $3)
      where tenant_id = $1 and id = $2::uuid and status <> 'cancelled' returning id`, [tenantId, id, ttlSeconds]);
  if (rows.length === 0) return false;
  await tx.query('delete from bulk_file where tenant_id = $1 and job_id = $2::uuid', [tenantId, id]);
  return true;
}

export interface FilePart {
  kind: 'output' | 'error';
  /** The resource type of the file's lines (OperationOutcome for error files). */
  type: string;
  /** The file's name within the job: its parts are concatenated in the order they were written. */
  file: string;
  ndjson: string;
  count: number;
}

/** Appends a part to a file of the job; called in a step, whose row lock orders the parts. */
export async function appendFilePart(tx: Tx, job: Pick<Job, 'tenantId' | 'id'>, part: FilePart): Promise<void> {
  if (part.count === 0) return;
  await tx.query(
    `insert into bulk_file (tenant_id, job_id, seq, kind, type, file, ndjson, count)
     select $1, $2::uuid, coalesce(max(seq), 0) + 1, $3, $4, $5, $6, $7 from bulk_file where tenant_id = $1 and job_id = $2::uuid`,
    [job.tenantId, job.id, part.kind, part.type, part.file, part.ndjson, part.count],
  );
}

export interface JobFile {
  kind: 'output' | 'error';
  type: string;
  file: string;
  count: number;
}

/** The job's files, in the order they were begun. */
export async function listFiles(tx: Tx, job: Pick<Job, 'tenantId' | 'id'>): Promise<JobFile[]> {
  return tx.query<JobFile & { [column: string]: unknown }>(
    `select kind, type, file, sum(count)::int as count from bulk_file where tenant_id = $1 and job_id = $2::uuid
      group by kind, type, file order by min(seq)`, [job.tenantId, job.id]);
}

/** Up to `limit` parts of a file after part `afterSeq` (a download reads a file a few parts at a time). */
export async function readFileParts(
  tx: Tx, job: Pick<Job, 'tenantId' | 'id'>, file: string, afterSeq: number, limit: number,
): Promise<{ seq: number; ndjson: string }[]> {
  return tx.query<{ seq: number; ndjson: string }>(
    `select seq, ndjson from bulk_file where tenant_id = $1 and job_id = $2::uuid and file = $3 and seq > $4
      order by seq limit $5`, [job.tenantId, job.id, file, afterSeq, limit]);
}

/** Whether the job has a file of that name. */
export async function hasFile(tx: Tx, job: Pick<Job, 'tenantId' | 'id'>, file: string): Promise<boolean> {
  const rows = await tx.query('select 1 from bulk_file where tenant_id = $1 and job_id = $2::uuid and file = $3 limit 1', [job.tenantId, job.id, file]);
  return rows.length > 0;
}
