import type { Deps } from '../env.js';
import { FhirError, outcome } from '../core/errors.js';
import { isJsonObject, type JsonObject } from '../core/json.js';
import { resourceTypes } from '../core/resource-types.js';
import { withSession, type FhirContext } from '../fhir/context.js';
import type { FhirExtensions, OperationHandler } from '../fhir/extensions.js';
import type { Repository } from '../fhir/repository/repository.js';
import { sendJson } from '../fhir/respond.js';
import { assertReadable, chunkLines, insertChunks, type ImportInputRequest, type ImportRequest } from './import-job.js';
import { activeJobs, cancelJob, createJob, getJob, readFileParts, type Job } from './jobs.js';
import { wakeRunner } from './runner.js';

/*
 * Bulk Data import (the draft Bulk Data Import IG, as HAPI and Smile CDR answer it): POST
 * [base]/$import with `Prefer: respond-async` and either a Parameters (inputFormat
 * application/fhir+ndjson, input: type and url, url under IMPORT_URL_PREFIXES) or the NDJSON
 * itself (Content-Type application/fhir+ndjson). 202 with Content-Location
 * [base]/$import-poll-status?_jobId={id}: GET there answers 202 (X-Progress) while the job runs,
 * 200 with the manifest when it is done, 500 with its OperationOutcome when it failed; DELETE
 * cancels. The failures, one OperationOutcome per resource, are the manifest's error file
 * ([base]/$import-errors?_jobId={id}). The job runs on the Bulk Data job runner (runner.ts) in the
 * tenant's door, one batch per step.
 */

export const IMPORT_STATUS = '$import-poll-status';
export const IMPORT_ERRORS = '$import-errors';
const NDJSON = /^application\/(fhir\+ndjson|x-ndjson|ndjson)\s*(;|$)/i;
const FORMAT = 'application/fhir+ndjson';

const jobUrl = (base: string, op: string, id: string) => `${base}/${op}?_jobId=${id}`;

function tenantOf(c: FhirContext): string {
  const scope = c.var.scope;
  if (scope.kind !== 'tenant') throw FhirError.badRequest('$import imports into a tenant: use a tenant base (/tenants/{tenant}/fhir, or /fhir with X-Tenant-ID)');
  return scope.tenantId;
}

function valueOf(part: JsonObject, ...keys: string[]): string | undefined {
  for (const k of keys) if (typeof part[k] === 'string') return String(part[k]);
  return undefined;
}

/** The inputs a Parameters names: input parts with a url (and optionally a type), inputFormat NDJSON. */
function parametersInputs(body: unknown, deps: Deps): ImportInputRequest[] {
  if (!isJsonObject(body) || body.resourceType !== 'Parameters' || !Array.isArray(body.parameter)) {
    throw FhirError.badRequest(`$import takes a Parameters (inputFormat, input) or the NDJSON itself as ${FORMAT}`);
  }
  const params = body.parameter.filter(isJsonObject);
  const format = params.find((p) => p.name === 'inputFormat');
  const given = format && valueOf(format, 'valueCode', 'valueString');
  if (given !== undefined && given !== FORMAT) throw FhirError.badRequest(`inputFormat ${given.slice(0, 60)} is not supported: only ${FORMAT}`);
  const inputs = params.filter((p) => p.name === 'input').map((p): ImportInputRequest => {
    const parts = Array.isArray(p.part) ? p.part.filter(isJsonObject) : [];
    const url = parts.map((x) => (x.name === 'url' ? valueOf(x, 'valueUrl', 'valueUri', 'valueString') : undefined)).find((x) => x !== undefined);
    const type = parts.map((x) => (x.name === 'type' ? valueOf(x, 'valueCode', 'valueString') : undefined)).find((x) => x !== undefined);
    if (url === undefined) throw FhirError.badRequest('Each input of $import needs a url part');
    assertReadable(url, deps.config);
    return { url, type };
  });
  if (!inputs.length) throw FhirError.badRequest('$import needs at least one input');
  if (inputs.length > 100) throw new FhirError(400, 'too-costly', '$import takes at most 100 inputs');
  return inputs;
}

/** The types the caller may both create and update with no criteria: what the job may write. */
function writableTypes(repo: Repository): string[] {
  const gate = repo.options.gate;
  return resourceTypes().filter((t) => ['create', 'update'].every((i) => {
    const d = gate?.check(i === 'create' ? 'create' : 'update', t);
    return d === undefined || (d.allowed && !d.criteria);
  }) && (repo.options.settings?.resourceTypes?.has(t) ?? true));
}

async function kickOff(c: FhirContext, deps: Deps): Promise<Response> {
  if (c.req.method !== 'POST') throw FhirError.notAllowed('$import is kicked off with POST');
  if (!/\brespond-async\b/.test(c.req.header('prefer') ?? '')) throw FhirError.badRequest('$import runs asynchronously: send Prefer: respond-async');
  const tenant = tenantOf(c);
  const upload = NDJSON.test(c.req.header('content-type') ?? '') ? await c.req.text() : undefined;
  if (upload !== undefined && Buffer.byteLength(upload) > deps.config.bulk.importMaxBytes) {
    throw FhirError.tooLarge(`The NDJSON is larger than IMPORT_MAX_BYTES (${deps.config.bulk.importMaxBytes} bytes)`);
  }
  const inputs = upload === undefined ? parametersInputs(c.var.body, deps) : [{}];
  const job = await withSession(c, deps, { check: 'each-part', write: true }, (repo) => repo.readWith(async (tx) => {
    const types = writableTypes(repo);
    if (!types.length) throw FhirError.forbidden('Access denied: $import needs create and update of some type without criteria');
    if ((await activeJobs(tx, tenant)) >= deps.config.bulk.maxJobsPerTenant) {
      throw new FhirError(429, 'throttled', `This tenant already has ${deps.config.bulk.maxJobsPerTenant} bulk jobs queued or running; retry later`, { headers: { 'Retry-After': '60' } });
    }
    const request: ImportRequest = { url: c.req.url, client: c.var.principal.clientId, inputs, types };
    const created = await createJob(tx, tenant, 'import', JSON.parse(JSON.stringify(request)) as JsonObject);
    if (upload !== undefined) {
      const chunks = await insertChunks(tx, created, 0, 0, chunkLines(upload));
      await tx.query('update bulk_job set progress = $3::text::jsonb where tenant_id = $1 and id = $2::uuid', [tenant, created.id, JSON.stringify({ chunks })]);
    }
    return created;
  }));
  wakeRunner(deps.db);
  c.header('Content-Location', jobUrl(c.var.fhirBase, IMPORT_STATUS, job.id));
  return sendJson(c, 202, JSON.stringify(outcome([{ severity: 'information', code: 'informational', diagnostics: `Import job ${job.id} accepted; poll the Content-Location URL` }])));
}

function jobIdOf(c: FhirContext): string {
  const id = c.req.query('_jobId');
  if (!id) throw FhirError.badRequest('Name the job: ?_jobId={id} (the Content-Location of the kick-off)');
  return id;
}

const noJob = () => FhirError.notFound('No such import job (it may have expired or been cancelled)');

/** The caller's import job (another client's, even of the same tenant, is none). */
function visible(c: FhirContext, job: Job | undefined): Job | undefined {
  if (job === undefined || job.kind !== 'import' || job.status === 'cancelled') return undefined;
  const client = typeof job.request.client === 'string' ? job.request.client : null;
  return client === null || client === c.var.principal.clientId ? job : undefined;
}

const count = (job: Job, key: string) => (typeof job.progress[key] === 'number' ? Number(job.progress[key]) : 0);

async function status(c: FhirContext, deps: Deps): Promise<Response> {
  const tenant = tenantOf(c);
  const id = jobIdOf(c);
  if (c.req.method === 'DELETE') {
    const done = await withSession(c, deps, { check: 'admission' }, (repo) => repo.readWith(async (tx) => {
      if (!visible(c, await getJob(tx, tenant, id))) return false;
      await tx.query('delete from import_chunk where tenant_id = $1 and job_id = $2::uuid', [tenant, id]);
      return cancelJob(tx, tenant, id, deps.config.bulk.fileTtlSeconds);
    }));
    if (!done) throw noJob();
    return sendJson(c, 202, JSON.stringify(outcome([{ severity: 'information', code: 'informational', diagnostics: `Import job ${id} cancelled` }])));
  }
  if (c.req.method !== 'GET') throw FhirError.notAllowed('The status of an import is read with GET (DELETE cancels it)');
  const job = visible(c, await withSession(c, deps, { check: 'admission' }, (repo) => repo.readWith((tx) => getJob(tx, tenant, id))));
  if (job === undefined) throw noJob();
  if (job.status === 'failed') return sendJson(c, 500, JSON.stringify(job.error ?? outcome([{ severity: 'error', code: 'exception', diagnostics: 'The import failed' }])));
  const chunks = count(job, 'chunks');
  if (job.status !== 'completed') {
    c.header('X-Progress', `${count(job, 'written')} resources written, ${count(job, 'failed')} failed, batch ${count(job, 'seq')} of ${chunks || '?'}`);
    c.header('Retry-After', '2');
    return sendJson(c, 202, JSON.stringify(outcome([{ severity: 'information', code: 'informational', diagnostics: `Import job ${id} is ${job.status}` }])));
  }
  const failed = count(job, 'failed');
  return sendJson(c, 200, JSON.stringify({
    transactionTime: job.transactionTime,
    request: typeof job.request.url === 'string' ? job.request.url : '',
    requiresAccessToken: deps.services.verifier !== undefined,
    output: [{ type: 'Resource', count: count(job, 'written'), created: count(job, 'created') }],
    error: failed ? [{ type: 'OperationOutcome', count: failed, url: jobUrl(c.var.fhirBase, IMPORT_ERRORS, id) }] : [],
  }));
}

/** The error file: one OperationOutcome per failed resource, NDJSON. */
async function errors(c: FhirContext, deps: Deps): Promise<Response> {
  if (c.req.method !== 'GET') throw FhirError.notAllowed('The error file is read with GET');
  const tenant = tenantOf(c);
  const id = jobIdOf(c);
  const parts = await withSession(c, deps, { check: 'admission' }, (repo) => repo.readWith(async (tx) => {
    const job = visible(c, await getJob(tx, tenant, id));
    if (job === undefined) return undefined;
    const out: string[] = [];
    // Bounded by the job's size (IMPORT_MAX_BYTES of input); read a page at a time.
    for (let after = 0; ;) {
      const page = await readFileParts(tx, job, 'errors.ndjson', after, 100);
      out.push(...page.map((p) => p.ndjson));
      if (page.length < 100) return out;
      after = page.at(-1)?.seq ?? after;
    }
  }));
  if (parts === undefined) throw noJob();
  return new Response(parts.length ? `${parts.join('\n')}\n` : '', { status: 200, headers: { 'content-type': 'application/fhir+ndjson' } });
}

export function importExtensions(): FhirExtensions {
  return {
    storedTypes: new Map(),
    operations: new Map<string, OperationHandler>([['$import', kickOff], [IMPORT_STATUS, status], [IMPORT_ERRORS, errors]]),
    definitions: new Map([['$import', 'http://hl7.org/fhir/uv/bulkdata/OperationDefinition/import']]),
  };
}
