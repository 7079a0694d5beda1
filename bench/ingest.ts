/**
 * Ingest: the 22 Synthea transaction bundles into fresh tenants over HTTP, on PostgreSQL 15 (a
 * throwaway cluster) and on embedded PGlite, side by side. Prints resources/s and writes
 * bench/results/ingest.json. Run: npm run bench:ingest
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve } from '@hono/node-server';
import { pino } from 'pino';
import postgres from 'postgres';
import { createApp } from '../src/app.js';
import { bootstrap } from '../src/bootstrap.js';
import { loadConfig } from '../src/config.js';
import { startCluster } from './lib/pg-cluster.js';

const SYNTHEA = process.env.SYNTHEA_DIR ?? fileURLToPath(new URL('../../shared/data/synthea', import.meta.url));
const bundles = readdirSync(SYNTHEA).filter((f) => f.endsWith('.json')).sort().map((f) => readFileSync(join(SYNTHEA, f), 'utf8'));
const resourceCount = bundles.reduce((n, b) => n + (JSON.parse(b) as { entry: unknown[] }).entry.length, 0);
const ADMIN = 'bench-admin-token-0123456789';

async function run(env: Record<string, string>, rounds: number): Promise<number[]> {
  const config = loadConfig({ ...env, ADMIN_TOKEN: ADMIN, LOG_LEVEL: 'silent', MIGRATE_ON_START: 'true' });
  const deps = await bootstrap(config, pino({ level: 'silent' }));
  const server = await new Promise<{ port: number; close: () => void }>((resolve) => {
    const s = serve({ fetch: createApp(deps).fetch, port: 0, hostname: '127.0.0.1' }, (info) => resolve({ port: info.port, close: () => s.close() }));
  });
  const base = `http://127.0.0.1:${server.port}`;
  const rates: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const tenant = `ingest-${round}`;
    await fetch(`${base}/admin/tenants`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' }, body: JSON.stringify({ id: tenant, name: tenant }) });
    const started = performance.now();
    for (const body of bundles) {
      const res = await fetch(`${base}/tenants/${tenant}/fhir`, { method: 'POST', headers: { 'content-type': 'application/fhir+json', prefer: 'return=minimal' }, body });
      if (res.status !== 200) throw new Error(`ingest failed: ${res.status} ${await res.text()}`);
      await res.arrayBuffer();
    }
    rates.push(resourceCount / ((performance.now() - started) / 1000));
  }
  server.close();
  await deps.db.close();
  return rates;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const cluster = startCluster(Number(process.env.BENCH_PG_PORT ?? 55499), ['fsync=on', 'synchronous_commit=on']);
try {
  const admin = postgres(cluster.url, { max: 1, onnotice: () => {} });
  await admin.unsafe('create database fhir');
  await admin.end();
  const dbUrl = cluster.url.replace(/\/postgres$/, '/fhir');
  const pg = await run({ DATABASE_URL: dbUrl }, 3);
  const dataDir = mkdtempSync(join(tmpdir(), 'fhir-bench-pglite-'));
  const lite = await run({ DATA_DIR: join(dataDir, 'data') }, 2);
  rmSync(dataDir, { recursive: true, force: true });
  const result = {
    benchmark: 'ingest',
    date: new Date().toISOString(),
    resources: resourceCount,
    bundles: bundles.length,
    postgres: { resourcesPerSecond: Math.round(median(pg)), runs: pg.map(Math.round) },
    pglite: { resourcesPerSecond: Math.round(median(lite)), runs: lite.map(Math.round) },
  };
  console.table([
    { backend: 'PostgreSQL 15', 'resources/s (median)': result.postgres.resourcesPerSecond, runs: pg.map(Math.round).join(', ') },
    { backend: 'PGlite', 'resources/s (median)': result.pglite.resourcesPerSecond, runs: lite.map(Math.round).join(', ') },
  ]);
  console.log(JSON.stringify(result));
  writeFileSync(new URL('./results/ingest.json', import.meta.url), `${JSON.stringify(result, null, 2)}\n`);
} finally {
  cluster.stop();
}
