import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { afterAll, describe, expect, it } from 'vitest';
import { LOCK_FILE } from '../../src/db/data-dir-lock.js';

/*
 * Issue 12 (b): one process at a time on an embedded DATA_DIR. The FHIR server and psql-server
 * could open one directory together, and a 201 the server acknowledged was gone after a restart.
 * Real processes, both directions: the second is refused with a message naming the first, exits
 * non-zero, and the first keeps every write.
 */

const root = fileURLToPath(new URL('../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'fhir-lock-'));
const dataDir = join(dir, 'data');
const lockPath = join(dataDir, LOCK_FILE);
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

const freePort = () => new Promise<number>((resolve) => {
  const s = createServer().listen(0, '127.0.0.1', () => {
    const { port } = s.address() as { port: number };
    s.close(() => resolve(port));
  });
});

interface Started { child: ChildProcess; output: () => string; exited: Promise<number | null> }

function start(script: string, env: Record<string, string>): Started {
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    cwd: root, env: { ...process.env, DATA_DIR: dataDir, LOG_LEVEL: 'info', ...env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

async function until(p: Started, pattern: RegExp): Promise<void> {
  for (let i = 0; i < 600 && !pattern.test(p.output()); i++) {
    if (p.child.exitCode !== null) throw new Error(`exited early: ${p.output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  expect(p.output()).toMatch(pattern);
}

/** The second process: refused, naming the holder's pid, non-zero exit, holder's lock untouched. */
async function refused(script: string, env: Record<string, string>, holder: number): Promise<void> {
  const second = start(script, env);
  const code = await second.exited;
  expect(code).not.toBe(0);
  expect(second.output()).toMatch(new RegExp(`DATA_DIR .* is in use by pid ${holder}\\b`));
  expect(JSON.parse(readFileSync(lockPath, 'utf8')).pid).toBe(holder);
}

async function stop(p: Started): Promise<void> {
  p.child.kill('SIGTERM');
  expect(await p.exited).toBe(0);
}

describe('the data directory lock, with real processes', () => {
  let patientId = '';
  const password = 'lock-test-password';

  it('the server holds DATA_DIR: psql-server, db:migrate and a second server are refused', async () => {
    const port = await freePort();
    const server = start('src/index.ts', { PORT: String(port) });
    await until(server, /FHIR server listening/);
    const created = await fetch(`http://127.0.0.1:${port}/tenants/demo/fhir/Patient`, {
      method: 'POST', headers: { 'content-type': 'application/fhir+json' }, body: JSON.stringify({ resourceType: 'Patient', gender: 'female' }),
    });
    expect(created.status).toBe(201);
    patientId = (await created.json()).id;

    await refused('src/analytics/psql-server.ts', { PSQL_PORT: String(await freePort()), PSQL_SERVER_PASSWORD: password }, server.child.pid!);
    await refused('src/db/migrate-cli.ts', {}, server.child.pid!);
    await refused('src/index.ts', { PORT: String(await freePort()) }, server.child.pid!);
    // Still serving, and the lock goes with it.
    expect((await fetch(`http://127.0.0.1:${port}/tenants/demo/fhir/Patient/${patientId}`)).status).toBe(200);
    await stop(server);
    expect(existsSync(lockPath)).toBe(false);
  }, 240_000);

  it('psql-server holds DATA_DIR: the server and the reindex CLI are refused, and the acknowledged write is there', async () => {
    const psqlPort = await freePort();
    const psql = start('src/analytics/psql-server.ts', { PSQL_PORT: String(psqlPort), PSQL_SERVER_PASSWORD: password });
    await until(psql, /Serving .* on postgres:/);
    await refused('src/index.ts', { PORT: String(await freePort()) }, psql.child.pid!);
    await refused('src/reindex-cli.ts', {}, psql.child.pid!);
    const sql = postgres({ host: '127.0.0.1', port: psqlPort, user: 'postgres', database: 'postgres', pass: password, max: 1 });
    const rows = await sql`select id from resource where tenant_id = 'demo' and resource_type = 'Patient' and id = ${patientId}`;
    await sql.end();
    expect(rows).toHaveLength(1);
    await stop(psql);
    expect(existsSync(lockPath)).toBe(false);
  }, 240_000);

  it('takes over a stale lock whose process is gone', async () => {
    const dead = start('-e', {});
    await dead.exited;
    writeFileSync(lockPath, JSON.stringify({ pid: dead.child.pid, host: (await import('node:os')).hostname(), started: null, command: 'killed', since: new Date().toISOString() }));
    const port = await freePort();
    const server = start('src/index.ts', { PORT: String(port) });
    await until(server, /FHIR server listening/);
    expect(JSON.parse(readFileSync(lockPath, 'utf8')).pid).toBe(server.child.pid);
    expect((await fetch(`http://127.0.0.1:${port}/tenants/demo/fhir/Patient/${patientId}`)).status).toBe(200);
    await stop(server);
  }, 240_000);
});
