import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenant } from '../../src/admin/tenants.js';
import { withAdmin } from '../../src/db/doors.js';
import { migratePostgresUrl } from '../../src/db/migrate.js';
import { openPostgres } from '../../src/db/postgres.js';
import { ownCluster, type OwnCluster } from '../helpers/pg-cluster.js';
import { OWN_CLUSTERS, needs } from '../helpers/requires.js';
import { TEST_CONTEXT_KEY } from '../helpers/server-url.js';

/*
 * The server and `npm run reindex` as real processes, as the README's PostgreSQL section sets them
 * up: migrations applied by the owner, the API login a member of fhir_app only, on a cluster that
 * checks passwords. With the default MIGRATE_ON_START=true they go on when nothing is pending and
 * refuse in one line when something is; a wrong password is 503 "authentication failed".
 */
const enabled = OWN_CLUSTERS.met;
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const API_PASSWORD = 'api-login-password';
let cluster: OwnCluster;
let side: postgres.Sql;
let apiUrl = '';

beforeAll(async () => {
  if (!enabled) return;
  cluster = ownCluster(56500 + Math.floor(Math.random() * 400), { passwords: true });
  await migratePostgresUrl(cluster.url, TEST_CONTEXT_KEY);
  side = postgres(cluster.url, { max: 1, onnotice: () => {} });
  await side.unsafe(`create role api_login login password '${API_PASSWORD}'; grant fhir_app to api_login`);
  apiUrl = withLogin(cluster.url, 'api_login', API_PASSWORD);
  const owner = openPostgres(cluster.url, { max: 1, contextKey: TEST_CONTEXT_KEY });
  await withAdmin(owner, (tx) => createTenant(tx, 'la', 'A', {}));
  await owner.close();
}, 120_000);

afterAll(async () => {
  if (!enabled) return;
  await side.end();
  cluster.destroy();
});

function withLogin(url: string, user: string, password: string): string {
  const u = new URL(url);
  u.username = user;
  u.password = password;
  return u.toString();
}

const env = (databaseUrl: string, port: number, extra: Record<string, string> = {}) => ({
  ...process.env, DATABASE_URL: databaseUrl, TENANT_CONTEXT_KEY: TEST_CONTEXT_KEY, PORT: String(port), LOG_LEVEL: 'warn',
  MIGRATE_ON_START: 'true', MIGRATION_DATABASE_URL: '', DB_CONNECT_TIMEOUT_SECONDS: '2', ...extra,
});

/** Runs a CLI to its end: its status and what it wrote to stderr. */
function run(script: string, databaseUrl: string): Promise<{ status: number | null; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: ROOT, env: env(databaseUrl, 0), stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
  return new Promise((resolve) => child.once('exit', (status) => resolve({ status, stderr })));
}

/** Starts the server, waits for /healthz, hands its base URL to `use`, stops it. */
async function withServer(databaseUrl: string, use: (base: string) => Promise<void>, extra: Record<string, string> = {}): Promise<void> {
  const port = 57500 + Math.floor(Math.random() * 400);
  const server = spawn(process.execPath, ['--import', 'tsx', 'src/index.ts'], { cwd: ROOT, env: env(databaseUrl, port, extra), stdio: 'inherit' });
  const exited = new Promise((r) => server.once('exit', r));
  const base = `http://127.0.0.1:${port}`;
  try {
    for (let i = 0; i < 150 && server.exitCode === null; i++) {
      if ((await fetch(`${base}/healthz`).catch(() => undefined))?.status === 200) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(server.exitCode, 'the server exited at start').toBe(null);
    await use(base);
  } finally {
    server.kill('SIGTERM');
    await exited;
  }
}

const NO_MIGRATE = { MIGRATE_ON_START: 'false' };
const diagnostics = async (res: Response) => ((await res.json()) as { issue: { diagnostics: string }[] }).issue[0]?.diagnostics ?? '';
const oneLine = (stderr: string) => stderr.trim().split('\n');

describe.runIf(enabled)(needs(OWN_CLUSTERS, 'the API login (member of fhir_app only) with MIGRATE_ON_START=true'), () => {
  it('starts when migrations are current and serves requests; reindex runs', async () => {
    await withServer(apiUrl, async (base) => {
      expect((await fetch(`${base}/readyz`)).status).toBe(200);
      const created = await fetch(`${base}/fhir/Patient`, {
        method: 'POST', headers: { 'x-tenant-id': 'la', 'content-type': 'application/fhir+json' }, body: JSON.stringify({ resourceType: 'Patient' }),
      });
      expect(created.status).toBe(201);
    });
    const reindex = await run('src/reindex-cli.ts', apiUrl);
    expect(reindex.stderr).not.toMatch(/permission denied|DrizzleQueryError/);
    expect(reindex.status).toBe(0);
  }, 60_000);

  it('refuses in one line saying what to run when a migration is pending', async () => {
    const [newest] = await side.unsafe('delete from drizzle.__drizzle_migrations where created_at = (select max(created_at) from drizzle.__drizzle_migrations) returning hash, created_at');
    try {
      for (const script of ['src/index.ts', 'src/reindex-cli.ts']) {
        const { status, stderr } = await run(script, apiUrl);
        expect(status, script).toBe(1);
        expect(oneLine(stderr), script).toEqual([expect.stringMatching(/migrations are pending.*npm run db:migrate.*MIGRATE_ON_START=false/)]);
      }
    } finally {
      await side.unsafe('insert into drizzle.__drizzle_migrations (hash, created_at) values ($1, $2)', [newest?.hash, newest?.created_at]);
    }
  }, 60_000);

  it('refuses in one line when the login may not read the migration history', async () => {
    await side.unsafe('revoke select on drizzle.__drizzle_migrations from fhir_app');
    try {
      const { status, stderr } = await run('src/index.ts', apiUrl);
      expect(status).toBe(1);
      expect(oneLine(stderr)).toEqual([expect.stringMatching(/cannot tell whether migrations are current.*npm run db:migrate/)]);
    } finally {
      await side.unsafe('grant select on drizzle.__drizzle_migrations to fhir_app');
    }
  }, 60_000);

  it('refuses in one line when the migration login has a wrong password', async () => {
    const { status, stderr } = await run('src/index.ts', withLogin(cluster.url, 'api_login', 'wrong-password'));
    expect(status).toBe(1);
    expect(oneLine(stderr)).toEqual([expect.stringMatching(/authentication failed/)]);
    expect(stderr).not.toContain('wrong-password');
  }, 60_000);
});

describe.runIf(enabled)(needs(OWN_CLUSTERS, 'a wrong password or no database, MIGRATE_ON_START=false'), () => {
  it('answers FHIR requests 503 and /readyz "authentication failed" with a wrong password, no secret in either', async () => {
    const wrong = withLogin(cluster.url, 'api_login', 'wrong-password');
    await withServer(wrong, async (base) => {
      const ready = await fetch(`${base}/readyz`);
      expect(ready.status).toBe(503);
      const why = await diagnostics(ready);
      expect(why).toMatch(/authentication failed/);
      const read = await fetch(`${base}/fhir/Patient`, { headers: { 'x-tenant-id': 'la' } });
      expect(read.status).toBe(503);
      const text = await diagnostics(read);
      expect(text).toMatch(/authentication failed/);
      expect(`${why} ${text}`).not.toContain('wrong-password');
    }, NO_MIGRATE);
  }, 60_000);

  it('says "not reachable" on /readyz when nothing listens', async () => {
    const nowhere = apiUrl.replace(/:\d+\//, ':1/');
    await withServer(nowhere, async (base) => {
      const ready = await fetch(`${base}/readyz`);
      expect(ready.status).toBe(503);
      expect(await diagnostics(ready)).toMatch(/not reachable/);
      expect((await fetch(`${base}/fhir/Patient`, { headers: { 'x-tenant-id': 'la' } })).status).toBe(503);
    }, NO_MIGRATE);
  }, 60_000);
});
