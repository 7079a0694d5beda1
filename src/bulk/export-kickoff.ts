import type { Deps } from '../env.js';
import { FhirError, outcome } from '../core/errors.js';
import { isJsonObject } from '../core/json.js';
import { resourceTypes } from '../core/resource-types.js';
import { acceptsFhirJson } from '../http/format.js';
import { withSession, type FhirContext } from '../fhir/context.js';
import type { Repository } from '../fhir/repository/repository.js';
import type { ReadScope } from '../fhir/extensions.js';
import { jsonBody } from '../fhir/request.js';
import { sendJson } from '../fhir/respond.js';
import { patientCompartmentParams } from '../fhir/search/registry.js';
import { toJson, type ExportRequest, type ExportType } from './export-job.js';
import { filterType, paramPairs, parseExportParams, type ExportParams } from './export-params.js';
import { activeJobs, createJob } from './jobs.js';
import { wakeRunner } from './runner.js';
import { statusUrl } from './export-urls.js';

/*
 * The kick-off (Bulk Data Access IG 2.0.0): GET|POST [base]/$export, [base]/Patient/$export,
 * [base]/Group/{id}/$export, with `Prefer: respond-async`. Everything that can be refused is
 * refused here, in the request: parameters, the caller's access to each type (a type it names in
 * _type and may not read is 403; one it did not name is left out), the group. The job then
 * records what was resolved (types with the caller's criteria, the patients) and runs in the
 * background; the answer is 202 with the status URL in Content-Location.
 */

/** Most patients a Group-level export may name (they are one bound array of the step's query). */
const MAX_GROUP_MEMBERS = 10_000;

type Level = ExportRequest['level'];

function checkHeaders(c: FhirContext): void {
  if (!/(?:^|[;,\s])respond-async(?:$|[;,\s])/i.test(c.req.header('prefer') ?? '')) {
    throw FhirError.badRequest('$export runs asynchronously: send Prefer: respond-async');
  }
  if (!acceptsFhirJson(undefined, c.req.header('accept'))) {
    throw new FhirError(406, 'not-supported', '$export answers in application/fhir+json: send Accept: application/fhir+json');
  }
}

async function body(c: FhirContext): Promise<unknown> {
  if (c.req.method !== 'POST') return undefined;
  if ((await c.req.text()).trim() === '') return undefined;
  return jsonBody(c, 'a Parameters resource');
}

/** Patient and Group level: the types of the Patient compartment (and Patient). */
function compartmentTypes(): string[] {
  return resourceTypes().filter((t) => t === 'Patient' || patientCompartmentParams(t).length > 0);
}

/**
 * The exported types and the caller's criteria for each: named types must be enabled and
 * searchable (404 / 403 as for a search), the others are left out when they are not.
 */
function resolveTypes(repo: Repository, access: ReadScope, level: Level, params: ExportParams): ExportType[] {
  const candidates = level === 'system' ? resourceTypes() : compartmentTypes();
  if (params.types && level !== 'system') {
    const outside = params.types.filter((t) => !candidates.includes(t));
    if (outside.length) throw FhirError.badRequest(`_type ${outside.join(', ')} is not in the Patient compartment`);
  }
  const out: ExportType[] = [];
  for (const type of params.types ?? candidates) {
    let criteria: readonly string[] | undefined;
    try {
      repo.authorize('search', type);
      criteria = access.criteria(type);
    } catch (err) {
      if (params.types === undefined && err instanceof FhirError && (err.status === 403 || err.status === 404)) continue;
      throw err;
    }
    const filters = params.typeFilters.filter((f) => filterType(f) === type);
    out.push({ type, criteria: criteria ? [...criteria] : undefined, filters: filters.length ? filters : undefined });
  }
  if (out.length === 0) throw FhirError.forbidden('Access denied: none of the exported types may be read');
  const stray = params.typeFilters.find((f) => !out.some((t) => t.type === filterType(f)));
  if (stray !== undefined) throw FhirError.badRequest(`_typeFilter ${stray.slice(0, 80)} is of a type not exported`);
  return out;
}

/** The Group's Patient members (member.entity `Patient/{id}`); 404 when the caller cannot read it. */
async function groupMembers(repo: Repository, id: string): Promise<string[]> {
  repo.authorize('read', 'Group');
  const group = await repo.read('Group', id);
  if (group === undefined || group.deleted || group.body === null) throw FhirError.notFound(`Group/${id} is not known`);
  const parsed: unknown = JSON.parse(group.body);
  const members = isJsonObject(parsed) && Array.isArray(parsed.member) ? parsed.member : [];
  const ids = new Set<string>();
  for (const m of members) {
    const ref = isJsonObject(m) && isJsonObject(m.entity) ? m.entity.reference : undefined;
    const pid = typeof ref === 'string' ? /^Patient\/([A-Za-z0-9.-]{1,64})$/.exec(ref)?.[1] : undefined;
    if (pid !== undefined) ids.add(pid);
  }
  if (ids.size > MAX_GROUP_MEMBERS) throw new FhirError(400, 'too-costly', `A Group-level export takes at most ${MAX_GROUP_MEMBERS} members`);
  return [...ids];
}

export async function kickOff(c: FhirContext, deps: Deps, level: Level, groupId?: string): Promise<Response> {
  checkHeaders(c);
  const scope = c.var.scope;
  if (scope.kind !== 'tenant') throw FhirError.badRequest('$export exports a tenant: use a tenant base (/tenants/{tenant}/fhir, or /fhir with X-Tenant-ID)');
  const params = parseExportParams(paramPairs(new URL(c.req.url).searchParams, await body(c)), deps.config);
  if (params.patients && level === 'system') throw FhirError.badRequest('patient is a parameter of Patient- and Group-level export');
  const job = await withSession(c, deps, { check: 'each-part', write: false }, (repo) => repo.readWith(async (tx, access) => {
    const types = resolveTypes(repo, access, level, params);
    let patients = params.patients ?? null;
    if (groupId !== undefined) {
      const members = await groupMembers(repo, groupId);
      patients = params.patients ? members.filter((p) => params.patients?.includes(p)) : members;
    }
    if ((await activeJobs(tx, scope.tenantId)) >= deps.config.bulk.maxJobsPerTenant) {
      throw new FhirError(429, 'throttled', `This tenant already has ${deps.config.bulk.maxJobsPerTenant} bulk jobs queued or running; retry later`, {
        headers: { 'Retry-After': '60' },
      });
    }
    const request: ExportRequest = { url: c.req.url, client: c.var.principal.clientId, level, types, since: params.since ?? null, patients };
    return createJob(tx, scope.tenantId, 'export', toJson(request));
  }));
  wakeRunner(deps.db);
  c.header('Content-Location', statusUrl(c.var.fhirBase, job.id));
  return sendJson(c, 202, JSON.stringify(outcome([{ severity: 'information', code: 'informational', diagnostics: `Export job ${job.id} accepted; poll the Content-Location URL` }])));
}
