import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { loadConfig } from '../../src/config.js';
import { withTenant, withoutContext } from '../../src/db/doors.js';
import { createJob, getJob, listFiles } from '../../src/bulk/jobs.js';
import { startJobRunner, type JobHandler } from '../../src/bulk/runner.js';
import { startTestServer, type TestServer } from '../helpers/app.js';

// The job runner alone (src/bulk/runner.ts), with a counting handler: steps checkpoint, a job
// resumes where it stopped, jobs are found across tenants only through the admin function, and
// the job tables are isolated like every tenant table.
let s: TestServer;
const log = pino({ level: 'silent' });

beforeAll(async () => {
  s = await startTestServer();
  await s.createTenants('run-a', 'run-b');
});
afterAll(async () => s.close());

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
    const a = await withTenant(s.tdb.db, 'run-a', (tx) => createJob(tx, 'run-a', 'export', { steps: 3 }));
    const b = await withTenant(s.tdb.db, 'run-b', (tx) => createJob(tx, 'run-b', 'export', { steps: 2 }));
    const runner = startJobRunner({ db: s.tdb.db, config: loadConfig({ BULK_POLL_MS: '60000' }), log }, new Map([['export', counting]]));
    await runner.drain();
    await runner.stop();
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

  it('resumes a job from its checkpoint after a stop', async () => {
    const job = await withTenant(s.tdb.db, 'run-a', (tx) => createJob(tx, 'run-a', 'export', { steps: 4 }));
    let calls = 0;
    const stopping: JobHandler = {
      async step(tx, j, ctx) {
        calls += 1;
        return counting.step(tx, j, ctx);
      },
    };
    const config = loadConfig({ BULK_POLL_MS: '60000' });
    const first = startJobRunner({ db: s.tdb.db, config, log }, new Map([['export', stopping]]));
    await first.stop(); // at most the round in progress ran
    const mid = await withTenant(s.tdb.db, 'run-a', (tx) => getJob(tx, 'run-a', job.id));
    expect(mid?.status === 'completed').toBe(false);
    const second = startJobRunner({ db: s.tdb.db, config, log }, new Map([['export', counting]]));
    await second.drain();
    await second.stop();
    const end = await withTenant(s.tdb.db, 'run-a', (tx) => getJob(tx, 'run-a', job.id));
    expect([end?.status, end?.progress]).toEqual(['completed', { done: 4 }]);
    const files = await withTenant(s.tdb.db, 'run-a', (tx) => listFiles(tx, end!));
    expect(files[0]?.count).toBe(4); // no step written twice
    expect(calls).toBeLessThanOrEqual(1);
  });

  it('finds work across tenants only in an admin context', async () => {
    const refused = withoutContext(s.tdb.db, (tx) => tx.query("select * from fhir_admin.bulk_jobs_due(10, array['export'])"));
    await expect(refused).rejects.toMatchObject({ code: '42501' });
    const inTenant = withTenant(s.tdb.db, 'run-a', (tx) => tx.query("select * from fhir_admin.bulk_jobs_due(10, array['export'])"));
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
  });
});
