/**
 * The diagnosis behind the numbers: where a read by id and the CRUD mix spend their time.
 * For each scenario a second server on the same database runs under `node --cpu-prof` for the
 * load (autocannon / the CRUD process, as in bench/read.ts and bench/crud.ts; POST Patient at 32
 * connections, as bench/peer.ts creates; and the Synthea ingest), with
 * pg_stat_statements reset before it, and reports:
 *   - CPU ms per request of the server process, of PostgreSQL (all backends) and of the load generator
 *   - statements and database execution time per request (pg_stat_statements)
 *   - the server's CPU profile: self time by package/file, top functions, inclusive time of src/
 * Writes bench/results/profile.json (the .cpuprofile files stay in a temp dir, path printed).
 * Run: npm run bench:profile
 */
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BenchContext, DATA_TENANT, POOL, standalone } from './lib/context.js';
import { summarizeProfile } from './lib/cpu-profile.js';
import { seed } from './lib/crud-seeds.js';
import { PEER_CONNECTIONS } from './peer.js';
import { createTenant, loadBundles } from './lib/fhir-client.js';
import { sampleKeys } from './lib/keys.js';
import { runCrudLoad, runHttpLoad, type LoadResult } from './lib/loads.js';
import { clusterCpuMs, processCpuMs } from './lib/proc-cpu.js';
import { writeResult } from './lib/results.js';
import { startServer } from './lib/server.js';
import { asSuperuser, type FhirDatabase } from './lib/stack.js';
import { round } from './lib/stats.js';
import { resourceTotal, syntheaBundles } from '../test/fixtures/synthea.js';

const SECONDS = Number(process.env.BENCH_PROFILE_SECONDS ?? 10);
const CONNECTIONS = 50;

interface Statement {
  query: string;
  calls: number;
  totalMs: number;
  meanMs: number;
  /** Planning, included in totalMs (pg_stat_statements.track_planning). */
  planMs: number;
}

async function statements(db: FhirDatabase): Promise<Statement[]> {
  return asSuperuser(db, async (sql) => {
    const rows = await sql<{ query: string; calls: string; total: number; mean: number; plan: number }[]>`
      select s.query, s.calls, s.total_exec_time + s.total_plan_time as total, s.mean_exec_time as mean, s.total_plan_time as plan
      from pg_stat_statements s join pg_database d on d.oid = s.dbid
      where d.datname = ${db.name} and s.query not ilike '%pg_stat_statements%' order by total desc`;
    return rows.map((r) => ({ query: r.query.replace(/\s+/g, ' ').slice(0, 160), calls: Number(r.calls), totalMs: round(r.total, 1), meanMs: round(r.mean, 4), planMs: round(r.plan, 1) }));
  });
}

async function profiled(ctx: BenchContext, name: string, load: (base: string) => Promise<LoadResult>) {
  const db = await ctx.database();
  const cluster = await ctx.cluster();
  const dir = mkdtempSync(join(tmpdir(), `fhir-bench-prof-${name}-`));
  const server = await startServer({ databaseUrl: db.apiUrl, poolMax: POOL, cpuProfDir: dir });
  try {
    await load(server.base).catch(() => undefined); // warm-up (JIT, prepared statements, policy cache)
    await asSuperuser(db, (sql) => sql`select pg_stat_statements_reset()`);
    const cpu0 = { server: processCpuMs(server.pid), pg: clusterCpuMs(cluster.dir), at: performance.now() };
    const result = await load(server.base);
    const cpu1 = { server: processCpuMs(server.pid), pg: clusterCpuMs(cluster.dir), at: performance.now() };
    const stmts = await statements(db);
    await server.stop();
    const exited = performance.now();
    // The main thread's profile (tsx's loader thread writes a second one).
    const file = readdirSync(dir).sort().find((f) => /\.0\.\d+\.cpuprofile$/.test(f));
    if (!file) throw new Error(`no CPU profile in ${dir}`);
    const n = result.requests;
    const calls = stmts.reduce((a, s) => a + s.calls, 0);
    const dbMs = stmts.reduce((a, s) => a + s.totalMs, 0);
    const wallS = (cpu1.at - cpu0.at) / 1000;
    const perRequest = {
      serverCpuMs: round((cpu1.server - cpu0.server) / n, 3),
      postgresCpuMs: round((cpu1.pg - cpu0.pg) / n, 3),
      loadGeneratorCpuMs: round((result.cpuMs ?? 0) / n, 3),
      statements: round(calls / n, 2),
      dbExecMs: round(dbMs / n, 3),
      dbPlanMs: round(stmts.reduce((a, s) => a + s.planMs, 0) / n, 3),
    };
    const cores = {
      server: round((cpu1.server - cpu0.server) / 1000 / wallS, 2),
      postgres: round((cpu1.pg - cpu0.pg) / 1000 / wallS, 2),
      loadGenerator: round((result.cpuMs ?? 0) / 1000 / wallS, 2),
    };
    const profile = summarizeProfile(join(dir, file), { fromEndMs: exited - cpu0.at, toEndMs: exited - cpu1.at });
    console.log(`\n== profile: ${name}: ${Math.round(result.rps)} req/s, p50 ${result.p50} ms, p99 ${result.p99} ms (profiler on)`);
    console.log(`per request: ${JSON.stringify(perRequest)}; cores busy: ${JSON.stringify(cores)}`);
    console.table(profile.categories.slice(0, 15));
    console.table(profile.topSelf.slice(0, 15));
    console.table(stmts.slice(0, 10).map((s) => ({ ...s, perRequest: round(s.calls / n, 2) })));
    console.log(`CPU profile: ${join(dir, file)}`);
    return { load: { rps: round(result.rps), p50: result.p50, p99: result.p99, requests: n }, perRequest, cores, statements: stmts.slice(0, 25), profile, profileFile: join(dir, file) };
  } finally {
    await server.stop();
  }
}

export async function runProfile(ctx: BenchContext) {
  const { db } = await ctx.loaded();
  const keys = await sampleKeys(db);
  const paths = keys.map(([t, type, id]) => `/tenants/${t}/fhir/${type}/${id}`);
  const read = await profiled(ctx, 'read', (base) => runHttpLoad({ base, paths, connections: CONNECTIONS, duration: SECONDS }));
  const base0 = (await ctx.server()).base;
  // Create: POST Patient (the CRUD seed), as the peer bench's create load (32 connections).
  await createTenant(base0, 'create-profile');
  const create = await profiled(ctx, 'create', (base) => runHttpLoad({
    base, paths: ['/tenants/create-profile/fhir/Patient'], connections: PEER_CONNECTIONS, duration: SECONDS,
    body: JSON.stringify(seed('Patient', {})), headers: { 'content-type': 'application/fhir+json' },
  }));
  await createTenant(base0, 'crud-profile');
  const crud = await profiled(ctx, 'crud', (base) => runCrudLoad({ base, tenant: 'crud-profile', concurrency: CONNECTIONS, duration: SECONDS }));
  // Ingest: every Synthea bundle, one at a time, into a fresh tenant per pass (warm-up, then measured); per resource.
  let pass = 0;
  const ingest = await profiled(ctx, 'ingest', async (base) => {
    const tenant = `ingest-profile-${pass++}`;
    await createTenant(base, tenant);
    const bundles = syntheaBundles();
    const seconds = await loadBundles(base, tenant, bundles, 1);
    const n = resourceTotal(bundles);
    return { rps: n / seconds, requests: n, p50: 0, p90: 0, p99: 0, non2xx: 0, errors: 0, cpuMs: 0 };
  });
  writeResult('profile', { setup: { tenant: DATA_TENANT, seconds: SECONDS, connections: CONNECTIONS, pool: POOL, ingest: `per resource, ${syntheaBundles().length} bundles, 1 client` }, read, create, crud, ingest });
  return { read, crud, ingest };
}

if (import.meta.url === `file://${process.argv[1]}`) await standalone(runProfile);
