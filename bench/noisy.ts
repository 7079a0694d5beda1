/**
 * Issue 7 (7): noisy neighbour. Tenant `s` holds one Synthea patient; its three typical searches
 * (bench/lib/queries.ts) are timed (p50) before and after the other tenants grow to ~100x its
 * volume (the Synthea bundles loaded into 100 tenants, one patient each), then ANALYZE.
 * To separate that growth from the machine's noise, the same tenant `s` also lives alone in a
 * control database on the same cluster, served by a second server, and every measurement
 * alternates control and grown database: the ratio is grown/control p50, median of rounds.
 * Run: npm run bench:noisy
 */
import { analyze, BenchContext, POOL, standalone } from './lib/context.js';
import { createTenant, loadBundles, postBundle } from './lib/fhir-client.js';
import { runLatencyLoad } from './lib/loads.js';
import { assertMatches, QUERY_NAMES, searchQueries, type SearchQueries } from './lib/queries.js';
import { recordTargets, writeResult } from './lib/results.js';
import { startServer, type ServerProcess } from './lib/server.js';
import { createFhirDatabase, type FhirDatabase } from './lib/stack.js';
import { clusterCpuMs, processCpuMs } from './lib/proc-cpu.js';
import { median, round } from './lib/stats.js';
import { syntheaBundles } from '../test/fixtures/synthea.js';

const NEIGHBOURS = Number(process.env.BENCH_NOISY_TENANTS ?? 100);
const ROUNDS = Number(process.env.BENCH_NOISY_ROUNDS ?? 5);
const SECONDS = Number(process.env.BENCH_NOISY_SECONDS ?? 2);
/** One connection: p50 is then the service time of a search, not a queue this bench made. */
const CONNECTIONS = 1;
const S = 's';

interface Side {
  db: FhirDatabase;
  server: ServerProcess;
}

type Phase = Record<keyof SearchQueries, { control: number[]; grown: number[]; cpu: { control: number[]; grown: number[] } }>;

/** Each database gave tenant s's resources its own ids, so each side has its own instances of the queries. */
type SideQueries = Record<'control' | 'grown', SearchQueries>;

async function measure(sides: { control: Side; grown: Side }, queries: SideQueries, clusterDir: string): Promise<Phase> {
  const names = Object.keys(queries.control) as (keyof SearchQueries)[];
  const phase = Object.fromEntries(names.map((n) => [n, { control: [] as number[], grown: [] as number[], cpu: { control: [] as number[], grown: [] as number[] } }])) as Phase;
  for (let r = 0; r < ROUNDS; r++) {
    for (const name of names) {
      const order = (r + names.indexOf(name)) % 2 === 0 ? (['control', 'grown'] as const) : (['grown', 'control'] as const);
      for (const side of order) {
        const s0 = processCpuMs(sides[side].server.pid);
        const p0 = clusterCpuMs(clusterDir);
        const res = await runLatencyLoad({ base: sides[side].server.base, paths: queries[side][name], connections: CONNECTIONS, duration: SECONDS });
        phase[name][side].push(res.p50);
        // Server + PostgreSQL CPU per search: the work the growth may add, apart from the machine's noise.
        phase[name].cpu[side].push((processCpuMs(sides[side].server.pid) - s0 + clusterCpuMs(clusterDir) - p0) / res.requests);
      }
    }
  }
  return phase;
}

function ratios(phase: Phase) {
  const names = Object.keys(phase) as (keyof SearchQueries)[];
  const rounds = phase[names[0]!].control.length;
  const perQuery = Object.fromEntries(
    names.map((n) => [n, round(median(phase[n].grown.map((g, i) => g / phase[n].control[i]!)), 3)]),
  ) as Record<keyof SearchQueries, number>;
  // The query set as a whole: sum of the three p50s, grown over control, median of rounds.
  const cpuSet = median(Array.from({ length: rounds }, (_, i) => names.reduce((a, n) => a + phase[n].cpu.grown[i]!, 0) / names.reduce((a, n) => a + phase[n].cpu.control[i]!, 0)));
  const set = median(Array.from({ length: rounds }, (_, i) => names.reduce((a, n) => a + phase[n].grown[i]!, 0) / names.reduce((a, n) => a + phase[n].control[i]!, 0)));
  return { perQuery, querySet: round(set, 3), cpuQuerySet: round(cpuSet, 3) };
}

export async function runNoisy(ctx: BenchContext) {
  const cluster = await ctx.cluster();
  const bundles = syntheaBundles();
  const sBundle = bundles[0]!;
  const sides = {} as { control: Side; grown: Side };
  for (const name of ['control', 'grown'] as const) {
    const db = await createFhirDatabase(cluster, `noisy_${name}`);
    const server = await startServer({ databaseUrl: db.apiUrl, poolMax: POOL });
    ctx.onClose(() => server.stop());
    await createTenant(server.base, S);
    await postBundle(server.base, S, sBundle.body);
    await analyze(db.superUrl);
    sides[name] = { db, server };
  }
  const queries: SideQueries = {
    control: await searchQueries(sides.control.db.superUrl, S),
    grown: await searchQueries(sides.grown.db.superUrl, S),
  };
  for (const side of ['control', 'grown'] as const) {
    for (const n of Object.keys(queries[side]) as (keyof SearchQueries)[]) await assertMatches(sides[side].server.base, queries[side][n]);
  }
  await measure(sides, queries, cluster.dir); // warm-up of both servers
  const before = await measure(sides, queries, cluster.dir);

  const grownBase = sides.grown.server.base;
  const started = performance.now();
  let neighbourResources = 0;
  for (let i = 0; i < NEIGHBOURS; i++) {
    const tenant = `n-${String(i).padStart(3, '0')}`;
    await createTenant(grownBase, tenant);
    const b = bundles[i % bundles.length]!;
    await loadBundles(grownBase, tenant, [b], 1);
    neighbourResources += b.resources;
  }
  const loadSeconds = (performance.now() - started) / 1000;
  await analyze(sides.grown.db.superUrl);
  await analyze(sides.control.db.superUrl);
  console.log(`noisy: ${NEIGHBOURS} neighbour tenants, ${neighbourResources} resources (${round(neighbourResources / sBundle.resources, 1)}x tenant s) in ${round(loadSeconds, 1)} s`);
  const after = await measure(sides, queries, cluster.dir);

  const b = ratios(before);
  const a = ratios(after);
  const names = Object.keys(queries.control) as (keyof SearchQueries)[];
  const table = names.map((n) => ({
    query: QUERY_NAMES[n],
    'control p50 ms': round(median(after[n].control), 2),
    'grown p50 ms (before)': round(median(before[n].grown), 2),
    'grown p50 ms (after)': round(median(after[n].grown), 2),
    'ratio before (calibration)': b.perQuery[n],
    'ratio after': a.perQuery[n],
    'CPU ms/search control': round(median(after[n].cpu.control), 3),
    'CPU ms/search grown': round(median(after[n].cpu.grown), 3),
  }));
  console.table(table);
  console.log(`query set p50 ratio grown/control: before ${b.querySet}, after ${a.querySet}; CPU per search ratio: before ${b.cpuQuerySet}, after ${a.cpuQuerySet}`);
  writeResult('noisy', {
    setup: { tenantS: { bundle: sBundle.file, resources: sBundle.resources }, neighbours: NEIGHBOURS, neighbourResources, growth: round(neighbourResources / sBundle.resources, 1), rounds: ROUNDS, seconds: SECONDS, connections: CONNECTIONS, loadSeconds: round(loadSeconds, 1) },
    ratios: { before: b, after: a },
    table,
    samples: { before, after },
  });
  return recordTargets([
    { id: 'noisy-neighbour', benchmark: 'noisy', description: 'Noisy neighbour: tenant S search p50, 100x neighbours / alone', op: '<=', threshold: 1.1, measured: a.querySet, unit: 'x' },
  ]);
}

if (import.meta.url === `file://${process.argv[1]}`) await standalone(runNoisy);
