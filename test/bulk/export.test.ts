import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { createApp } from '../../src/app.js';
import { createBulkRunner } from '../../src/bulk/index.js';
import { createJob, getJob, listFiles } from '../../src/bulk/jobs.js';
import { createJobRunner, startJobRunner, type JobHandler, type JobRunner } from '../../src/bulk/runner.js';
import { FhirError } from '../../src/core/errors.js';
import { withTenant, withoutContext } from '../../src/db/doors.js';
import { fairShare } from '../../src/fhir/fair-share.js';
import { BASE, startTestServer, type TestServer } from '../helpers/app.js';
import { authEnv, bearer, token } from '../auth/tokens.helper.js';

// Bulk Data export (Bulk Data Access IG 2.0.0) over HTTP: kick-off, status, manifest, files, on
// a tenant's bases; the runner is driven by hand (round/drain) so nothing here depends on timing.
const log = pino({ level: 'silent' });
let s: TestServer;
let runner: JobRunner;
const auth: Record<string, Record<string, string>> = {};
const ids: Record<string, string> = {};

async function as(tenant: string, scope = 'system/*.cruds', client = 'client-1') {
  return bearer(await token({ tenant, scope, client }));
}

async function post(tenant: string, body: Record<string, unknown>): Promise<string> {
  const res = await s.request('/fhir/' + String(body.resourceType), {
    method: 'POST', headers: { ...auth[tenant], 'content-type': 'application/fhir+json' }, body: JSON.stringify(body),
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

const ASYNC = { prefer: 'respond-async', accept: 'application/fhir+json' };

async function kickOff(path: string, headers: Record<string, string>, init: RequestInit = {}): Promise<Response> {
  return s.request(path, { ...init, headers: { ...ASYNC, ...headers, ...(init.headers as Record<string, string> | undefined) } });
}

/** The path of an absolute URL on the test base. */
const pathOf = (url: string) => url.slice(BASE.length);

/** Kicks off, runs the job to the end, and returns the status URL's answer. */
async function exportAll(path: string, headers: Record<string, string>, init: RequestInit = {}) {
  const res = await kickOff(path, headers, init);
  expect(res.status).toBe(202);
  const status = res.headers.get('content-location') ?? '';
  await runner.drain();
  const done = await s.request(pathOf(status), { headers });
  return { status, done };
}

interface Manifest {
  transactionTime: string;
  request: string;
  requiresAccessToken: boolean;
  output: { type: string; url: string; count: number }[];
  error: unknown[];
}

/** The manifest's files downloaded: type → resources. */
async function download(m: Manifest, headers: Record<string, string>): Promise<Record<string, { id: string; [k: string]: unknown }[]>> {
  const out: Record<string, { id: string }[]> = {};
  for (const o of m.output) {
    const res = await s.request(pathOf(o.url), { headers: { ...headers, accept: 'application/fhir+ndjson' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/fhir+ndjson');
    const lines = (await res.text()).split('\n').filter(Boolean).map((l) => JSON.parse(l));
    expect(lines.length).toBe(o.count);
    out[o.type] = lines;
  }
  return out;
}

const counts = (m: Manifest) => Object.fromEntries(m.output.map((o) => [o.type, o.count]));

beforeAll(async () => {
  // Chunks of two resources: every export here takes several checkpointed steps.
  s = await startTestServer({ ...authEnv, ADMIN_TOKEN_TENANT_ACCESS: 'true', BULK_MAX_JOBS_PER_TENANT: '3', BULK_CHUNK_SIZE: '2', BULK_POLL_MS: '600000' });
  await s.createTenants('exp-a', 'exp-b', 'run-a', 'run-b');
  runner = createBulkRunner({ db: s.tdb.db, config: s.config, log });
  auth['exp-a'] = await as('exp-a');
  auth['exp-b'] = await as('exp-b');
  for (const p of ['p1', 'p2', 'p3']) ids[p] = await post('exp-a', { resourceType: 'Patient', name: [{ family: p }] });
  const obs = (patient: string, code: string) => post('exp-a', {
    resourceType: 'Observation', status: 'final', code: { coding: [{ system: 'http://loinc.org', code }] }, subject: { reference: `Patient/${ids[patient]}` },
  });
  ids.o1 = await obs('p1', '8867-4');
  ids.o2 = await obs('p1', '9279-1');
  ids.o3 = await obs('p2', '8867-4');
  ids.o4 = await obs('p3', '8867-4');
  ids.c1 = await post('exp-a', { resourceType: 'Condition', subject: { reference: `Patient/${ids.p1}` } });
  ids.g1 = await post('exp-a', { resourceType: 'Group', type: 'person', actual: true, member: [{ entity: { reference: `Patient/${ids.p1}` } }, { entity: { reference: `Patient/${ids.p2}` } }] });
  await post('exp-b', { resourceType: 'Patient', name: [{ family: 'other' }] });
});
afterAll(async () => {
  await runner.stop();
  await s.close();
});

/** Writes one line per step until `request.steps` lines are written. */
const counting: JobHandler = {
  async step(_tx, job, ctx) {
    const done = typeof job.progress.done === 'number' ? job.progress.done : 0;
    const steps = typeof job.request.steps === 'number' ? job.request.steps : 1;
    await ctx.appendFile({ kind: 'output', type: 'Basic', file: 'Basic.ndjson', ndjson: `{"n":${done}}\n`, count: 1 });
    return { progress: { done: done + 1 }, done: done + 1 >= steps };
  },
};

describe('job runner', () => {
  it('runs jobs of several tenants to completion, one checkpointed step at a time', async () => {
    const a = await withTenant(s.tdb.db, 'run-a', (tx) => createJob(tx, 'run-a', 'import', { steps: 3 }));
    const b = await withTenant(s.tdb.db, 'run-b', (tx) => createJob(tx, 'run-b', 'import', { steps: 2 }));
    const looping = startJobRunner({ db: s.tdb.db, config: s.config, log }, new Map([['import', counting]]));
    await looping.drain();
    await looping.stop();
    const ja = await withTenant(s.tdb.db, 'run-a', (tx) => getJob(tx, 'run-a', a.id));
    const jb = await withTenant(s.tdb.db, 'run-b', (tx) => getJob(tx, 'run-b', b.id));
    expect([ja?.status, ja?.progress]).toEqual(['completed', { done: 3 }]);
    expect([jb?.status, jb?.progress]).toEqual(['completed', { done: 2 }]);
    expect(ja?.expiresAt).toMatch(/^\d{4}-/);
    const files = await withTenant(s.tdb.db, 'run-a', (tx) => listFiles(tx, ja!));
    expect(files).toEqual([{ kind: 'output', type: 'Basic', file: 'Basic.ndjson', count: 3 }]);
    // Another tenant sees neither the job nor its files.
    expect(await withTenant(s.tdb.db, 'run-b', (tx) => getJob(tx, 'run-b', a.id))).toBeUndefined();
    expect(await withTenant(s.tdb.db, 'run-b', (tx) => tx.query("select * from bulk_job where tenant_id = 'run-a'"))).toEqual([]);
    expect(await withTenant(s.tdb.db, 'run-b', (tx) => tx.query("select * from bulk_file where tenant_id = 'run-a'"))).toEqual([]);
  });

  it('resumes a job from its last checkpoint in another runner (a restart), writing no step twice', async () => {
    const job = await withTenant(s.tdb.db, 'run-a', (tx) => createJob(tx, 'run-a', 'import', { steps: 4 }));
    const config = s.config;
    const first = createJobRunner({ db: s.tdb.db, config, log }, new Map([['import', counting]]));
    expect(await first.round()).toBe(true);
    expect(await first.round()).toBe(true);
    await first.stop();
    const mid = await withTenant(s.tdb.db, 'run-a', (tx) => getJob(tx, 'run-a', job.id));
    expect([mid?.status, mid?.progress]).toEqual(['running', { done: 2 }]);
    const second = createJobRunner({ db: s.tdb.db, config, log }, new Map([['import', counting]]));
    await second.drain();
    await second.stop();
    const end = await withTenant(s.tdb.db, 'run-a', (tx) => getJob(tx, 'run-a', job.id));
    expect([end?.status, end?.progress]).toEqual(['completed', { done: 4 }]);
    const files = await withTenant(s.tdb.db, 'run-a', (tx) => listFiles(tx, end!));
    expect(files[0]?.count).toBe(4);
  });

  it('rolls a failed step back: a transient error is retried, a FhirError below 500 fails the job', async () => {
    const config = s.config;
    const flaky = await withTenant(s.tdb.db, 'run-b', (tx) => createJob(tx, 'run-b', 'import', { steps: 1 }));
    let calls = 0;
    const failingOnce: JobHandler = {
      async step(tx, job, ctx) {
        calls += 1;
        if (calls > 1) return counting.step(tx, job, ctx);
        await ctx.appendFile({ kind: 'output', type: 'Basic', file: 'Basic.ndjson', ndjson: '{"lost":true}\n', count: 1 });
        throw new Error('connection reset');
      },
    };
    const r = createJobRunner({ db: s.tdb.db, config, log }, new Map([['import', failingOnce]]));
    await r.round();
    const after = await withTenant(s.tdb.db, 'run-b', (tx) => listFiles(tx, flaky));
    expect(after).toEqual([]); // the failed step's part was rolled back with it
    await r.drain();
    await r.stop();
    const ok = await withTenant(s.tdb.db, 'run-b', (tx) => getJob(tx, 'run-b', flaky.id));
    expect(ok?.status).toBe('completed');
    expect((await withTenant(s.tdb.db, 'run-b', (tx) => listFiles(tx, flaky)))[0]?.count).toBe(1);

    const bad = await withTenant(s.tdb.db, 'run-b', (tx) => createJob(tx, 'run-b', 'import', {}));
    const refusing: JobHandler = { step: async () => { throw FhirError.badRequest('no such thing'); } };
    const r2 = createJobRunner({ db: s.tdb.db, config, log }, new Map([['import', refusing]]));
    await r2.drain();
    await r2.stop();
    const failed = await withTenant(s.tdb.db, 'run-b', (tx) => getJob(tx, 'run-b', bad.id));
    expect(failed?.status).toBe('failed');
    expect(failed?.error?.issue[0]?.diagnostics).toBe('no such thing');
  });

  it('finds work across tenants only in an admin context', async () => {
    const refused = withoutContext(s.tdb.db, (tx) => tx.query("select * from fhir_admin.bulk_jobs_due(10, array['import'])"));
    await expect(refused).rejects.toMatchObject({ code: '42501' });
    const inTenant = withTenant(s.tdb.db, 'run-a', (tx) => tx.query("select * from fhir_admin.bulk_jobs_due(10, array['import'])"));
    await expect(inTenant).rejects.toMatchObject({ code: '42501' });
  });

  it('keeps the job tables under RLS ENABLE + FORCE, private from analysts', async () => {
    const rows = await s.tdb.owner.query<{ relname: string; relrowsecurity: boolean; relforcerowsecurity: boolean }>(
      "select relname, relrowsecurity, relforcerowsecurity from pg_class where relname in ('bulk_job', 'bulk_file') order by relname");
    expect(rows).toEqual([
      { relname: 'bulk_file', relrowsecurity: true, relforcerowsecurity: true },
      { relname: 'bulk_job', relrowsecurity: true, relforcerowsecurity: true },
    ]);
    const analyst = await s.tdb.owner.query<{ ok: boolean }>("select has_table_privilege('fhir_analyst', 'bulk_file', 'select') as ok");
    expect(analyst[0]?.ok).toBe(false);
    // Purging a tenant takes its jobs and files with it.
    expect(Number((await s.tdb.owner.query<{ n: number }>("select count(*)::int as n from bulk_file where tenant_id = 'run-b'"))[0]?.n)).toBeGreaterThan(0);
    expect((await s.admin('/tenants/run-b', { method: 'DELETE' })).status).toBe(200);
    expect(await s.tdb.owner.query("select 1 from bulk_job where tenant_id = 'run-b' union all select 1 from bulk_file where tenant_id = 'run-b'")).toEqual([]);
  });
});

describe('kick-off', () => {
  it('needs Prefer: respond-async, a known _outputFormat and known parameters (400, never a job)', async () => {
    const h = auth['exp-a']!;
    expect((await s.request('/fhir/$export', { headers: { ...h, accept: 'application/fhir+json' } })).status).toBe(400);
    expect((await kickOff('/fhir/$export?_outputFormat=text/csv', h)).status).toBe(400);
    expect((await kickOff('/fhir/$export?_type=NotAType', h)).status).toBe(400);
    expect((await kickOff('/fhir/$export?_since=yesterday', h)).status).toBe(400);
    expect((await kickOff('/fhir/$export?_elements=id', h)).status).toBe(400);
    expect((await kickOff('/fhir/$export?_typeFilter=Observation%3Fnope%3Dx', h)).status).toBe(400);
    expect((await kickOff('/fhir/$export?_type=Patient&_typeFilter=Observation%3Fcode%3Dx', h)).status).toBe(400);
    expect((await kickOff('/fhir/Patient/$export?_type=Organization', h)).status).toBe(400);
    expect((await kickOff('/fhir/$export', h, { method: 'DELETE' })).status).toBe(405);
    expect((await s.request('/fhir/$nothing', { method: 'DELETE', headers: h })).status).toBe(404);
    expect((await s.request('/fhir/$export-poll-status', { headers: h })).status).toBe(400);
    expect((await s.request('/fhir/$export-poll-status?_jobId=not-a-uuid', { headers: h })).status).toBe(404);
    const xml = await kickOff('/fhir/$export', { ...h, accept: 'application/fhir+xml' });
    expect(xml.status).toBe(406);
    const shared = await kickOff('/shared/fhir/$export', h);
    expect(shared.status).toBeGreaterThanOrEqual(400);
    expect(await s.tdb.owner.query("select id from bulk_job where kind = 'export'")).toEqual([]);
    // The ndjson forms are all accepted.
    for (const f of ['application/fhir%2Bndjson', 'application/ndjson', 'ndjson']) {
      const res = await kickOff(`/fhir/$export?_outputFormat=${f}&_type=Patient`, h);
      expect(res.status).toBe(202);
      await s.request(pathOf(res.headers.get('content-location') ?? ''), { method: 'DELETE', headers: h });
    }
  });

  it('a tenant has at most BULK_MAX_JOBS_PER_TENANT jobs queued or running (429)', async () => {
    const h = auth['exp-a']!;
    const queued = [];
    for (let i = 0; i < 3; i++) queued.push((await kickOff('/fhir/$export?_type=Patient', h)).headers.get('content-location') ?? '');
    const over = await kickOff('/fhir/$export?_type=Patient', h);
    expect(over.status).toBe(429);
    expect(over.headers.get('retry-after')).toMatch(/^\d+$/);
    // Another tenant is not affected.
    const b = await kickOff('/fhir/$export?_type=Patient', auth['exp-b']!);
    expect(b.status).toBe(202);
    for (const url of queued) await s.request(pathOf(url), { method: 'DELETE', headers: h });
    await s.request(pathOf(b.headers.get('content-location') ?? ''), { method: 'DELETE', headers: auth['exp-b'] });
  });

  it('the operator\'s synchronous export (admin API) honours _type too', async () => {
    const res = await s.admin('/tenants/exp-a/$export?_type=Patient,Group');
    expect(res.status).toBe(200);
    const lines = (await res.text()).split('\n').filter(Boolean).map((l) => JSON.parse(l) as { resourceType: string });
    expect(lines.map((l) => l.resourceType)).toEqual(['Group', 'Patient', 'Patient', 'Patient']);
    expect((await s.admin('/tenants/exp-a/$export')).status).toBe(200);
    expect((await s.admin('/tenants/exp-a/$export?_type=Nope')).status).toBe(400);
  });

  it('is listed in the CapabilityStatement', async () => {
    const cs = (await (await s.request('/fhir/metadata', { headers: auth['exp-a'] })).json()) as { rest: { operation?: { name: string; definition: string }[]; resource: { type: string; operation?: { name: string }[] }[] }[] };
    expect(cs.rest[0]?.operation).toContainEqual({ name: 'export', definition: 'http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export' });
    expect(cs.rest[0]?.resource.find((r) => r.type === 'Group')?.operation?.map((o) => o.name)).toContain('export');
  });
});

describe('system-level export', () => {
  it('202 while running (X-Progress, Retry-After), then the manifest and files with every resource once', async () => {
    const h = auth['exp-a']!;
    const res = await kickOff('/fhir/$export', h);
    expect(res.status).toBe(202);
    const status = res.headers.get('content-location') ?? '';
    expect(status).toMatch(/^http:\/\/fhir\.test\/fhir\/\$export-poll-status\?_jobId=[0-9a-f-]{36}$/);
    const pending = await s.request(pathOf(status), { headers: h });
    expect(pending.status).toBe(202);
    expect(pending.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(pending.headers.get('x-progress')).toMatch(/types done/);
    expect(await runner.round()).toBe(true);
    const partway = await s.request(pathOf(status), { headers: h });
    expect(partway.status).toBe(202);
    await runner.drain();
    const done = await s.request(pathOf(status), { headers: h });
    expect(done.status).toBe(200);
    expect(done.headers.get('expires')).toMatch(/GMT$/);
    const m = (await done.json()) as Manifest;
    expect(m.request).toBe(`${BASE}/fhir/$export`);
    expect(m.requiresAccessToken).toBe(true);
    expect(Date.parse(m.transactionTime)).not.toBeNaN();
    expect(m.error).toEqual([]);
    expect(counts(m)).toEqual({ Condition: 1, Group: 1, Observation: 4, Patient: 3 });
    const files = await download(m, h);
    expect(files.Patient?.map((p) => p.id).sort()).toEqual([ids.p1, ids.p2, ids.p3].sort());
    expect(new Set(files.Observation?.map((o) => o.id)).size).toBe(4);
    // Another tenant's data is in no file.
    expect(JSON.stringify(files)).not.toContain('other');
  });

  it('honours _type, _since and _typeFilter (the search machinery decides the filter)', async () => {
    const h = auth['exp-a']!;
    const typed = await exportAll('/fhir/$export?_type=Patient,Condition', h);
    expect(counts((await typed.done.json()) as Manifest)).toEqual({ Condition: 1, Patient: 3 });

    const filtered = await exportAll(`/fhir/$export?_type=Observation,Patient&_typeFilter=${encodeURIComponent('Observation?code=http://loinc.org|8867-4')},${encodeURIComponent(`Patient?_id=${ids.p2}`)}`, h);
    const fm = (await filtered.done.json()) as Manifest;
    expect(counts(fm)).toEqual({ Observation: 3, Patient: 1 });
    expect((await download(fm, h)).Patient?.[0]?.id).toBe(ids.p2);

    // Two filters of one type: a resource meeting either is exported.
    const either = await exportAll(`/fhir/$export?_type=Observation&_typeFilter=${encodeURIComponent(`Observation?_id=${ids.o1}`)}&_typeFilter=${encodeURIComponent(`Observation?_id=${ids.o2}`)}`, h);
    expect(counts((await either.done.json()) as Manifest)).toEqual({ Observation: 2 });

    const before = (await (await s.request(pathOf(typed.status), { headers: h })).json()) as Manifest;
    await post('exp-a', { resourceType: 'Condition', subject: { reference: `Patient/${ids.p3}` } });
    const since = await exportAll(`/fhir/$export?_since=${encodeURIComponent(before.transactionTime)}`, h);
    expect(counts((await since.done.json()) as Manifest)).toEqual({ Condition: 1 });
  });

  it('takes its parameters from a POSTed Parameters resource too', async () => {
    const h = auth['exp-a']!;
    const body = { resourceType: 'Parameters', parameter: [{ name: '_type', valueString: 'Group' }, { name: '_outputFormat', valueString: 'application/fhir+ndjson' }] };
    const r = await exportAll('/fhir/$export', h, { method: 'POST', headers: { 'content-type': 'application/fhir+json' }, body: JSON.stringify(body) });
    expect(counts((await r.done.json()) as Manifest)).toEqual({ Group: 1 });
  });
});

describe('Patient and Group level', () => {
  it('Patient/$export: the Patient compartment (a Group by its members)', async () => {
    const h = auth['exp-a']!;
    const ungrouped = await post('exp-a', { resourceType: 'Group', type: 'person', actual: true });
    const r = await exportAll('/fhir/Patient/$export', h);
    const m = (await r.done.json()) as Manifest;
    expect(counts(m)).toMatchObject({ Group: 1, Observation: 4, Patient: 3 });
    expect((await download(m, h)).Group?.[0]?.id).toBe(ids.g1);
    await s.request(`/fhir/Group/${ungrouped}`, { method: 'DELETE', headers: h });
  });

  it('Patient/$export with patient: only those patients\' compartments', async () => {
    const body = { resourceType: 'Parameters', parameter: [{ name: 'patient', valueReference: { reference: `Patient/${ids.p3}` } }] };
    const r = await exportAll('/fhir/Patient/$export', auth['exp-a']!, { method: 'POST', headers: { 'content-type': 'application/fhir+json' }, body: JSON.stringify(body) });
    const m = (await r.done.json()) as Manifest;
    expect(counts(m)).toMatchObject({ Observation: 1, Patient: 1 });
  });

  it('Group/{id}/$export: the members\' compartments only', async () => {
    const h = auth['exp-a']!;
    const r = await exportAll(`/fhir/Group/${ids.g1}/$export?_type=Patient,Observation,Condition`, h);
    const m = (await r.done.json()) as Manifest;
    expect(counts(m)).toEqual({ Condition: 1, Observation: 3, Patient: 2 });
    const files = await download(m, h);
    expect(files.Patient?.map((p) => p.id).sort()).toEqual([ids.p1, ids.p2].sort());
    expect((await kickOff('/fhir/Group/nope/$export', h)).status).toBe(404);
    // Another tenant's Group is no Group here.
    expect((await kickOff(`/fhir/Group/${ids.g1}/$export`, auth['exp-b']!)).status).toBe(404);
  });
});

describe('access', () => {
  it('exports only the types the token may read; naming another in _type is 403', async () => {
    const h = await as('exp-a', 'system/Patient.rs system/Condition.rs');
    const r = await exportAll('/fhir/$export', h);
    expect(counts((await r.done.json()) as Manifest)).toEqual({ Condition: 2, Patient: 3 });
    expect((await kickOff('/fhir/$export?_type=Observation', h)).status).toBe(403);
    expect((await kickOff('/fhir/$export', await as('exp-a', 'system/Patient.c'))).status).toBe(403);
  });

  it('another tenant, another client and the shared base get 404 for the status and files, and change nothing', async () => {
    const h = auth['exp-a']!;
    const r = await exportAll('/fhir/$export?_type=Patient', h);
    const m = (await r.done.json()) as Manifest;
    const file = m.output[0]!.url;
    const other = auth['exp-b']!;
    const otherClient = await as('exp-a', 'system/*.cruds', 'client-2');
    for (const who of [other, otherClient]) {
      expect((await s.request(pathOf(r.status), { headers: who })).status).toBe(404);
      expect((await s.request(pathOf(file), { headers: who })).status).toBe(404);
      expect((await s.request(pathOf(r.status), { method: 'DELETE', headers: who })).status).toBe(404);
    }
    const jobId = new URL(r.status).searchParams.get('_jobId');
    const onB = await s.request(`/tenants/exp-b/fhir/$export-poll-status?_jobId=${jobId}`, { headers: other });
    expect(onB.status).toBe(404);
    const shared = await s.request(`/shared/fhir/$export-poll-status?_jobId=${jobId}`, { headers: other });
    expect(shared.status).toBe(404);
    // Still there for its owner.
    expect((await s.request(pathOf(r.status), { headers: h })).status).toBe(200);
    expect((await download(m, h)).Patient?.length).toBe(3);
  });

  it('works on the per-tenant base URL, whose URLs it hands out', async () => {
    const h = auth['exp-a']!;
    const r = await exportAll('/tenants/exp-a/fhir/$export?_type=Group', h);
    expect(r.status.startsWith(`${BASE}/tenants/exp-a/fhir/`)).toBe(true);
    const m = (await r.done.json()) as Manifest;
    expect(m.output[0]?.url.startsWith(`${BASE}/tenants/exp-a/fhir/$export-file?`)).toBe(true);
    expect(counts(m)).toEqual({ Group: 1 });
  });
});

describe('cancel, restart, expiry', () => {
  it('DELETE cancels a running job: 202, files gone, the job runs no more, the status is 404', async () => {
    const h = auth['exp-a']!;
    const res = await kickOff('/fhir/$export', h);
    const status = res.headers.get('content-location') ?? '';
    await runner.round();
    await runner.round();
    const jobId = new URL(status).searchParams.get('_jobId');
    expect(Number((await s.tdb.owner.query<{ n: number }>('select count(*)::int as n from bulk_file where job_id = $1', [jobId]))[0]?.n)).toBeGreaterThan(0);
    expect((await s.request(pathOf(status), { method: 'DELETE', headers: h })).status).toBe(202);
    expect((await s.request(pathOf(status), { headers: h })).status).toBe(404);
    expect(await runner.round()).toBe(false);
    expect(await s.tdb.owner.query('select 1 from bulk_file where job_id = $1', [jobId])).toEqual([]);
    expect((await s.request(pathOf(status), { method: 'DELETE', headers: h })).status).toBe(404);
  });

  it('a job stopped mid-way resumes in a restarted server and completes with the right counts', async () => {
    const h = auth['exp-a']!;
    const res = await kickOff('/fhir/$export', h);
    const status = res.headers.get('content-location') ?? '';
    await runner.round();
    await runner.round();
    await runner.stop();
    // A new server on the same database: a new app and a new runner, nothing kept in memory.
    const app = createApp({ db: s.tdb.db, config: s.config, log });
    runner = createBulkRunner({ db: s.tdb.db, config: s.config, log });
    await runner.drain();
    const done = await app.request(`${BASE}${pathOf(status)}`, { headers: h });
    expect(done.status).toBe(200);
    const m = (await done.json()) as Manifest;
    expect(counts(m)).toEqual({ Condition: 2, Group: 1, Observation: 4, Patient: 3 });
    const files = await download(m, h);
    for (const [type, list] of Object.entries(files)) expect(new Set(list.map((x) => x.id)).size, type).toBe(list.length);
  });

  it('a tenant whose pool share is taken waits; the other tenants\' jobs go on', async () => {
    const a = await kickOff('/fhir/$export?_type=Patient', auth['exp-a']!);
    const b = await kickOff('/fhir/$export?_type=Patient', auth['exp-b']!);
    const share = fairShare(s.tdb.db, s.config).db;
    // Requests of exp-a hold every slot of its share (as a burst of slow searches would).
    const held = await Promise.all(Array.from({ length: share.perTenant }, () => share.acquire('exp-a', 1000)));
    try {
      expect(await runner.round()).toBe(true);
      const jobOf = (res: Response) => new URL(res.headers.get('content-location') ?? '').searchParams.get('_jobId');
      const [ja] = await s.tdb.owner.query<{ status: string }>('select status from bulk_job where id = $1', [jobOf(a)]);
      const [jb] = await s.tdb.owner.query<{ status: string }>('select status from bulk_job where id = $1', [jobOf(b)]);
      expect(ja?.status).toBe('queued');
      expect(jb?.status).toBe('completed');
    } finally {
      for (const release of held) release();
    }
    await runner.drain();
    expect((await s.request(pathOf(a.headers.get('content-location') ?? ''), { headers: auth['exp-a'] })).status).toBe(200);
  });

  it('two runners (two server processes) on one job write every resource once', async () => {
    const h = auth['exp-a']!;
    const res = await kickOff('/fhir/$export', h);
    const status = res.headers.get('content-location') ?? '';
    const other = createBulkRunner({ db: s.tdb.db, config: s.config, log });
    await Promise.all([runner.drain(), other.drain(), runner.drain()]);
    await runner.drain();
    await other.stop();
    const m = (await (await s.request(pathOf(status), { headers: h })).json()) as Manifest;
    expect(counts(m)).toEqual({ Condition: 2, Group: 1, Observation: 4, Patient: 3 });
    const files = await download(m, h);
    for (const [type, list] of Object.entries(files)) expect(new Set(list.map((x) => x.id)).size, type).toBe(list.length);
  });

  it('a job that fails answers its status with 500 and an OperationOutcome', async () => {
    const h = auth['exp-a']!;
    const res = await kickOff('/fhir/$export?_type=Patient', h);
    const status = res.headers.get('content-location') ?? '';
    // A filter that no longer parses (as after a change of the search parameters it used).
    await s.tdb.owner.query(`update bulk_job set request = jsonb_set(request, '{types,0,filters}', '["Patient?bogus=1"]') where id = $1`,
      [new URL(status).searchParams.get('_jobId')]);
    await runner.drain();
    const failed = await s.request(pathOf(status), { headers: h });
    expect(failed.status).toBe(500);
    const body = (await failed.json()) as { resourceType: string; issue: { diagnostics?: string }[] };
    expect(body.resourceType).toBe('OperationOutcome');
    expect(body.issue[0]?.diagnostics).toMatch(/bogus/);
  });

  it('deletes a job and its files once expired', async () => {
    const h = auth['exp-a']!;
    const r = await exportAll('/fhir/$export?_type=Patient', h);
    expect(r.done.status).toBe(200);
    const jobId = new URL(r.status).searchParams.get('_jobId');
    await s.tdb.owner.query("update bulk_job set expires_at = now() - interval '1 second' where id = $1", [jobId]);
    await runner.round();
    expect(await s.tdb.owner.query('select 1 from bulk_job where id = $1', [jobId])).toEqual([]);
    expect(await s.tdb.owner.query('select 1 from bulk_file where job_id = $1', [jobId])).toEqual([]);
    expect((await s.request(pathOf(r.status), { headers: h })).status).toBe(404);
  });
});
