import { stream } from 'hono/streaming';
import type { Deps } from '../env.js';
import type { Tx } from '../db/database.js';
import { FhirError, outcome } from '../core/errors.js';
import { withSession, type FhirContext } from '../fhir/context.js';
import { httpDate } from '../fhir/bundle.js';
import { sendJson } from '../fhir/respond.js';
import { exportProgressText, exportRequestOf } from './export-job.js';
import { fileUrl } from './export-urls.js';
import { cancelJob, getJob, hasFile, listFiles, readFileParts, type Job, type JobFile } from './jobs.js';

/*
 * After the kick-off (Bulk Data Access IG 2.0.0): the status URL (GET: 202 while the job runs,
 * 200 with the manifest when it is done, 500 with its OperationOutcome when it failed; DELETE:
 * cancel) and the file URLs of the manifest. Each is a request of the tenant's session like any
 * other: RLS shows only the tenant's own jobs, so another tenant's job id is 404, and a job
 * kicked off by a client is that client's (404 for another client of the same tenant).
 */

/** Parts of a file read per transaction while downloading (each part is one step's resources). */
const PARTS_PER_READ = 2;
/** What Retry-After suggests while a job runs. */
const RETRY_AFTER_SECONDS = 2;

function noJob(): FhirError {
  return FhirError.notFound('No such export job (it may have expired or been cancelled)');
}

/** The caller's export job in the tenant's transaction, or undefined. */
function visible(c: FhirContext, job: Job | undefined): Job | undefined {
  if (job === undefined || job.kind !== 'export' || job.status === 'cancelled') return undefined;
  const client = exportRequestOf(job.request).client;
  return client === null || client === c.var.principal.clientId ? job : undefined;
}

function tenantOf(c: FhirContext): string {
  const scope = c.var.scope;
  if (scope.kind !== 'tenant') throw noJob();
  return scope.tenantId;
}

function jobIdOf(c: FhirContext): string {
  const id = c.req.query('_jobId');
  if (id === undefined || id === '') throw FhirError.badRequest('Name the job: ?_jobId={id} (the Content-Location of the kick-off)');
  return id;
}

function manifest(c: FhirContext, deps: Deps, job: Job, files: JobFile[]) {
  const base = c.var.fhirBase;
  const entry = (f: JobFile) => ({ type: f.type, url: fileUrl(base, job.id, f.file), count: f.count });
  return {
    transactionTime: job.transactionTime,
    request: exportRequestOf(job.request).url,
    requiresAccessToken: deps.services.verifier !== undefined,
    output: files.filter((f) => f.kind === 'output').map(entry),
    error: files.filter((f) => f.kind === 'error').map(entry),
  };
}

async function status(c: FhirContext, deps: Deps): Promise<Response> {
  const tenant = tenantOf(c);
  const id = jobIdOf(c);
  const found = await withSession(c, deps, { check: 'admission' }, (repo) => repo.readWith(async (tx) => {
    const job = visible(c, await getJob(tx, tenant, id));
    return job && { job, files: job.status === 'completed' ? await listFiles(tx, job) : [] };
  }));
  if (found === undefined) throw noJob();
  const { job, files } = found;
  if (job.status === 'failed') {
    return sendJson(c, 500, JSON.stringify(job.error ?? outcome([{ severity: 'error', code: 'exception', diagnostics: 'The export failed' }])));
  }
  if (job.status !== 'completed') {
    c.header('X-Progress', exportProgressText(job));
    c.header('Retry-After', String(RETRY_AFTER_SECONDS));
    return c.body(null, 202);
  }
  if (job.expiresAt !== null) c.header('Expires', httpDate(job.expiresAt));
  return c.body(JSON.stringify(manifest(c, deps, job, files)), 200, { 'Content-Type': 'application/json' });
}

async function cancel(c: FhirContext, deps: Deps): Promise<Response> {
  const tenant = tenantOf(c);
  const id = jobIdOf(c);
  const cancelled = await withSession(c, deps, { check: 'admission' }, (repo) => repo.readWith(async (tx) => {
    const job = visible(c, await getJob(tx, tenant, id));
    return job !== undefined && cancelJob(tx, tenant, job.id, deps.config.bulk.fileTtlSeconds);
  }));
  if (!cancelled) throw noJob();
  return sendJson(c, 202, JSON.stringify(outcome([{ severity: 'information', code: 'informational', diagnostics: `Export job ${id} cancelled; its files are deleted` }])));
}

/** GET|DELETE [base]/$export-poll-status?_jobId={id} */
export async function exportStatus(c: FhirContext, deps: Deps): Promise<Response> {
  if (c.req.method === 'GET') return status(c, deps);
  if (c.req.method === 'DELETE') return cancel(c, deps);
  throw FhirError.notAllowed('The status of an export is read with GET and cancelled with DELETE');
}

/** GET [base]/$export-file?_jobId={id}&_file={name}: one NDJSON file of a completed job, streamed a few parts at a time. */
export async function exportFile(c: FhirContext, deps: Deps): Promise<Response> {
  if (c.req.method !== 'GET') throw FhirError.notAllowed('Export files are read with GET');
  const tenant = tenantOf(c);
  const id = jobIdOf(c);
  const file = c.req.query('_file') ?? '';
  const read = <T>(fn: (tx: Tx, job: Job) => Promise<T>) =>
    withSession(c, deps, { check: 'admission' }, (repo) => repo.readWith(async (tx) => {
      const job = visible(c, await getJob(tx, tenant, id));
      return job !== undefined && job.status === 'completed' ? fn(tx, job) : undefined;
    }));
  if (!(await read((tx, job) => hasFile(tx, job, file)))) throw FhirError.notFound('No such file in this export');
  c.header('Content-Type', 'application/fhir+ndjson');
  return stream(c, async (out) => {
    let after = 0;
    for (;;) {
      const parts = await read((tx, job) => readFileParts(tx, job, file, after, PARTS_PER_READ));
      // Cancelled or expired while downloading: the file ends here.
      if (parts === undefined) return;
      for (const p of parts) await out.write(p.ndjson);
      const last = parts[parts.length - 1];
      if (last === undefined || parts.length < PARTS_PER_READ) return;
      after = last.seq;
    }
  });
}
