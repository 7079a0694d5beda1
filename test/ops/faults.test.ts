import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migratePostgresUrl } from '../../src/db/migrate.js';
import { openPostgres } from '../../src/db/postgres.js';
import { withAdmin, withTenant } from '../../src/db/doors.js';
import { createTenant } from '../../src/admin/tenants.js';
import { ownCluster, type OwnCluster } from '../helpers/pg-cluster.js';
import { TEST_CONTEXT_KEY } from '../helpers/server-url.js';
import { OWN_CLUSTERS, needs } from '../helpers/requires.js';

/*
 * Faults on a real server of the test's own: PostgreSQL stopped and started under load, backends
 * killed mid-transaction, statements that run too long. Acknowledged writes must survive; every
 * failure must be a 503 OperationOutcome; service must resume by itself; no tenant may see another's.
 */
const enabled = OWN_CLUSTERS.met;
let cluster: OwnCluster;
let server: ChildProcess;
let base = '';
let side: postgres.Sql;
let db: ReturnType<typeof openPostgres>;

beforeAll(async () => {
  if (!enabled) return;
  cluster = ownCluster(56000 + Math.floor(Math.random() * 500));
  await migratePostgresUrl(cluster.url, TEST_CONTEXT_KEY);
  side = postgres(cluster.url, { max: 1, onnotice: () => {} });
  await side.unsafe("create role fault_api login password 'fault_api'; grant fhir_app to fault_api");
  db = openPostgres(cluster.url.replace('postgres@', 'fault_api:fault_api@'), { max: 8, connectTimeoutSeconds: 2, statementTimeoutMs: 300, startTimeoutMs: 3000, contextKey: TEST_CONTEXT_KEY });
  await withAdmin(db, async (tx) => {
    await createTenant(tx, 'fa', 'A', {});
    await createTenant(tx, 'fb', 'B', {});
  });
  // The server as its own process, as in production: a crash there would fail the test.
  const port = 57000 + Math.floor(Math.random() * 500);
  server = spawn(process.execPath, ['--import', 'tsx', 'src/index.ts'], {
    cwd: fileURLToPath(new URL('../..', import.meta.url)),
    env: {
      ...process.env, PORT: String(port), LOG_LEVEL: 'error', MIGRATE_ON_START: 'false',
      DATABASE_URL: cluster.url.replace('postgres@', 'fault_api:fault_api@'), DB_POOL_MAX: '8',
      DB_CONNECT_TIMEOUT_SECONDS: '2', DB_START_TIMEOUT_MS: '3000', STATEMENT_TIMEOUT_MS: '300',
      TENANT_CONTEXT_KEY: TEST_CONTEXT_KEY,
    },
    stdio: 'inherit',
  });
  base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    if ((await fetch(`${base}/healthz`).catch(() => undefined))?.status === 200) break;
    await sleep(200);
  }
}, 120_000);

afterAll(async () => {
  if (!enabled) return;
  server.kill('SIGTERM');
  await new Promise((r) => server.once('exit', r));
  await db.close().catch(() => {});
  await side.end().catch(() => {});
  cluster.destroy();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function call(method: string, path: string, tenant: string, body?: object) {
  const started = Date.now();
  try {
    const res = await fetch(`${base}${path}`, {
      method, signal: AbortSignal.timeout(15_000),
      headers: { 'x-tenant-id': tenant, 'content-type': 'application/fhir+json' },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    return { status: res.status, text, ms: Date.now() - started };
  } catch (err) {
    return { status: -1, text: String(err), ms: Date.now() - started };
  }
}

describe.runIf(enabled)(needs(OWN_CLUSTERS, 'faults on a real server'), () => {
  it('answers 503 while PostgreSQL is down, resumes by itself, and loses no acknowledged write', async () => {
    const acked: { tenant: string; id: string }[] = [];
    const statuses = new Map<number, number>();
    const ready: number[] = [];
    let running = true;
    const worker = async (tenant: string) => {
      while (running) {
        const r = await call('POST', '/fhir/Patient', tenant, { resourceType: 'Patient', gender: tenant === 'fa' ? 'female' : 'male' });
        statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
        if (r.status === 201) acked.push({ tenant, id: JSON.parse(r.text).id });
        else if (r.status === 503) expect(JSON.parse(r.text).resourceType).toBe('OperationOutcome');
        // Never a hang: the start timeout (3 s) and connect timeout (2 s) bound every request.
        expect(r.ms).toBeLessThan(12_000);
      }
    };
    const probe = async () => {
      while (running) {
        ready.push((await fetch(`${base}/readyz`).catch(() => ({ status: -1 }))).status);
        await sleep(100);
      }
    };
    const load = Promise.all([worker('fa'), worker('fb'), worker('fa'), worker('fb'), probe()]);
    await sleep(1500);
    cluster.stop('fast');
    await sleep(2500);
    cluster.start();
    await sleep(3000);
    running = false;
    await load;

    console.log(`PostgreSQL stopped and restarted under write load: ${acked.length} writes acknowledged, answers ${JSON.stringify(Object.fromEntries(statuses))}`);
    if (process.env.SHOW_FAULTS) console.log(JSON.stringify({ ready: ready.join('') }));
    expect([...statuses.keys()].sort()).toEqual([201, 503]);
    expect(ready).toContain(503);
    // Service resumes by itself: within a few seconds of the restart every probe is ready again.
    let resumed = false;
    for (let i = 0; i < 50 && !resumed; i++) {
      resumed = (await fetch(`${base}/readyz`)).status === 200 && (await call('GET', '/fhir/Patient?_count=1', 'fa')).status === 200;
      if (!resumed) await sleep(200);
    }
    expect(resumed).toBe(true);
    for (const tenant of ['fa', 'fb']) {
      const ids = new Set((await side.unsafe('select id from resource where tenant_id = $1', [tenant])).map((r) => r.id as string));
      const mine = acked.filter((a) => a.tenant === tenant);
      expect(mine.length).toBeGreaterThan(0);
      for (const a of mine) expect(ids.has(a.id), `${tenant} ${a.id}`).toBe(true);
    }
  }, 60_000);

  it('survives backends killed mid-transaction: 503s only, no foreign rows, the pool recovers', async () => {
    let running = true;
    const bad: string[] = [];
    const odd: string[] = [];
    const statuses = new Map<number, number>();
    const reader = async (tenant: string) => {
      while (running) {
        const r = await call('GET', '/fhir/Patient?_count=50', tenant);
        statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
        if (r.status !== 200 && r.status !== 503) odd.push(`${r.status} ${r.text.slice(0, 200)}`);
        if (r.status === 200) {
          const genders = [...r.text.matchAll(/"gender": ?"(\w+)"/g)].map((m) => m[1]);
          if (genders.some((g) => g !== (tenant === 'fa' ? 'female' : 'male'))) bad.push(tenant);
        }
      }
    };
    const killer = async () => {
      while (running) {
        await side.unsafe("select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'fhir-rls' and pid <> pg_backend_pid()");
        await sleep(400);
      }
    };
    const load = Promise.all([reader('fa'), reader('fb'), reader('fa'), reader('fb'), killer()]);
    await sleep(3000);
    running = false;
    await load;
    console.log(`backends killed every 400 ms under read load: answers ${JSON.stringify(Object.fromEntries(statuses))}, foreign rows seen ${bad.length}`);
    expect(bad).toEqual([]);
    expect(odd.slice(0, 3)).toEqual([]);
    // The pool recovers: a connection killed at the very end may fail one more request (503),
    // then fresh connections serve again.
    let recovered = false;
    for (let i = 0; i < 25 && !recovered; i++) {
      recovered = (await call('GET', '/fhir/Patient?_count=1', 'fb')).status === 200;
      if (!recovered) await sleep(200);
    }
    expect(recovered).toBe(true);
    expect(server.exitCode).toBeNull(); // still running: no crash under killed connections
  }, 30_000);

  it('cancels a statement that runs longer than STATEMENT_TIMEOUT_MS', async () => {
    await expect(withTenant(db, 'fa', (tx) => tx.query('select pg_sleep(2)'))).rejects.toMatchObject({ code: '57014' });
    expect((await call('GET', '/fhir/Patient?_count=1', 'fa')).status).toBe(200);
  });
});
