import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { createTenant } from '../../src/admin/tenants.js';
import { loadConfig } from '../../src/config.js';
import { openPgliteWorker, type ThreadedDatabase } from '../../src/db/pglite-threaded.js';
import { withAdmin } from '../../src/db/doors.js';
import { TEST_CONTEXT_KEY } from '../helpers/server-url.js';

/*
 * The embedded default with PGlite in a worker thread. PGlite ignores statement_timeout and runs a
 * statement to its end without yielding; in the main thread that froze every request, /healthz
 * and SIGTERM. The costly statement here is real SQL: a trigger that burns CPU for minutes on
 * every insert of tenant `costly` (set up as the database owner, as a test-only hook).
 */

const dir = mkdtempSync(join(tmpdir(), 'fhir-pglite-worker-'));
const dataDir = join(dir, 'data');
const BURN = `
  create function public.burn() returns trigger language plpgsql as $$
  begin perform count(*) from generate_series(1, 1000000000); return new; end $$;
  create trigger burn before insert on resource for each row when (new.tenant_id = 'costly') execute function public.burn();`;

let db: ThreadedDatabase;
let otherId = '';
afterAll(async () => {
  await db?.close();
  rmSync(dir, { recursive: true, force: true });
});

const json = { 'content-type': 'application/fhir+json' };
const patient = JSON.stringify({ resourceType: 'Patient', gender: 'other' });

beforeAll(async () => {
  db = await openPgliteWorker(dataDir, { statementTimeoutMs: 1500, startTimeoutMs: 700, contextKey: TEST_CONTEXT_KEY });
  await db.migrate();
  await withAdmin(db, async (tx) => {
    await createTenant(tx, 'costly', 'Costly', {});
    await createTenant(tx, 'other', 'Other', {});
  });
  await db.pg.exec(BURN);
});

describe('PGlite in a worker thread', () => {
  it('a statement over STATEMENT_TIMEOUT_MS gets 503; /healthz and another tenant answer meanwhile; committed data survives the restart', async () => {
    const config = loadConfig({ LOG_LEVEL: 'silent', STATEMENT_TIMEOUT_MS: '1500', DB_START_TIMEOUT_MS: '700' });
    const app = createApp({ db, config, log: pino({ level: 'silent' }) });
    const req = async (path: string, init?: RequestInit) => app.request(`http://x${path}`, init);
    const created = await req('/tenants/other/fhir/Patient', { method: 'POST', headers: json, body: patient });
    expect(created.status).toBe(201);
    otherId = (await created.json()).id;

    let costlyDone = false;
    const costly = req('/tenants/costly/fhir/Patient', { method: 'POST', headers: json, body: patient }).then((r) => {
      costlyDone = true;
      return r;
    });
    await new Promise((r) => setTimeout(r, 200));
    expect((await req('/healthz')).status).toBe(200);
    // Queued behind the costly statement: served after the restart, or 503 at DB_START_TIMEOUT_MS.
    const other = await req(`/tenants/other/fhir/Patient/${otherId}`);
    expect([200, 503]).toContain(other.status);
    expect(costlyDone).toBe(false);

    const res = await costly;
    expect(res.status).toBe(503);
    expect((await res.json()).resourceType).toBe('OperationOutcome');
    expect(db.restarts).toBe(1);

    // The database reopens from DATA_DIR (crash recovery): 503 until it is open, then served.
    let again = await req(`/tenants/other/fhir/Patient/${otherId}`);
    for (let i = 0; i < 60 && again.status === 503; i++) {
      await new Promise((r) => setTimeout(r, 500));
      again = await req(`/tenants/other/fhir/Patient/${otherId}`);
    }
    expect(again.status).toBe(200);
    expect((await again.json()).gender).toBe('other');
    // The insert in flight was rolled back with the thread.
    expect((await db.pg.query(`select count(*)::int as n from resource where tenant_id = 'costly'`)).rows).toEqual([{ n: 0 }]);
  });

  it('a server process exits on SIGTERM while a costly statement runs', async () => {
    await db.close();
    const port = await freePort();
    const server = spawn(process.execPath, ['--import', 'tsx', 'src/index.ts'], {
      cwd: fileURLToPath(new URL('../..', import.meta.url)),
      env: { ...process.env, DATABASE_URL: '', DATA_DIR: dataDir, PORT: String(port), LOG_LEVEL: 'error', STATEMENT_TIMEOUT_MS: '600000', SHUTDOWN_GRACE_MS: '1000' },
      stdio: 'inherit',
    });
    const exited = new Promise<number | null>((resolve) => server.once('exit', (code) => resolve(code)));
    const base = `http://127.0.0.1:${port}`;
    try {
      for (let i = 0; i < 300; i++) {
        if ((await fetch(`${base}/healthz`).catch(() => undefined))?.status === 200) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      void fetch(`${base}/tenants/costly/fhir/Patient`, { method: 'POST', headers: json, body: patient }).catch(() => undefined);
      await new Promise((r) => setTimeout(r, 500));
      expect((await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(10_000) })).status).toBe(200);
      server.kill('SIGTERM');
      // Within 30 s where the frozen main thread ignored it for minutes.
      const code = await Promise.race([exited, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 30_000))]);
      expect(code).not.toBe('hung');
    } finally {
      server.kill('SIGKILL');
    }
  }, 120_000);
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}
