/**
 * Issue 15: search p50 at 100,000 resources in one tenant. Tenant `big` on the shared bench
 * cluster is grown to BENCH_SEARCH_100K_RESOURCES by POSTing copies of the Synthea transaction
 * bundles (urn:uuid fullUrls: each POST creates fresh resources) with a few concurrent clients,
 * then VACUUM ANALYZE. Four shapes, one instance each per patient of a random sample: the three of
 * bench/search.ts plus `Patient?_has:Observation:patient:code=`, 10 keep-alive connections with
 * per-request timing: req/s, p50, p99, and CPU ms per search of the server and PostgreSQL. The
 * target is the worst shape's p50. A shape slower than the target gets its plan logged by
 * auto_explain (analyze, buffers) from a second server's fresh backends of the API login.
 * Run: npm run bench:search-100k
 */
import { loadavg } from 'node:os';
import { logLength, searchPlans } from './lib/auto-explain.js';
import { analyze, BenchContext, POOL, standalone } from './lib/context.js';
import { createTenant, postBundle } from './lib/fhir-client.js';
import { runHttpLoad, runLatencyLoad, type LoadResult } from './lib/loads.js';
import { clusterCpuMs, processCpuMs } from './lib/proc-cpu.js';
import { assertMatches, QUERY_NAMES_WITH_HAS, searchQueriesWithHas, type SearchQueriesWithHas } from './lib/queries.js';
import { recordTargets, writeResult } from './lib/results.js';
import { startServer } from './lib/server.js';
import { asSuperuser, type FhirDatabase } from './lib/stack.js';
import { median, round } from './lib/stats.js';
import { syntheaBundles, type BundleText } from '../test/fixtures/synthea.js';

const TENANT = 'big';
const RESOURCES = Number(process.env.BENCH_SEARCH_100K_RESOURCES ?? 100_000);
const CLIENTS = Number(process.env.BENCH_SEARCH_100K_CLIENTS ?? 4);
const PATIENTS = Number(process.env.BENCH_SEARCH_100K_PATIENTS ?? 50);
const CONNECTIONS = Number(process.env.BENCH_SEARCH_CONNECTIONS ?? 10);
const SECONDS = Number(process.env.BENCH_SEARCH_SECONDS ?? 6);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3) > 1 ? 2 : 1;
const TARGET_MS = 20;

type Name = keyof SearchQueriesWithHas;

/** Each shape's label in the target's detail. */
const SHORT: Record<Name, string> = {
  obsByPatientCodeDate: 'code+date',
  encounterByPatientSorted: 'Encounter sorted',
  obsBySubjectName: 'chain subject.name',
  patientHasObservationCode: '_has',
};

interface Run extends LoadResult {
  cpu: { server: number; postgres: number };
}

/**
 * Copy `n` of a bundle: its family names get a fixed-width suffix, so the chain's
 * `subject.name={family}` still matches one patient's observations (as at 7k resources) rather
 * than those of every copy of the patient; with the fixed width no suffix is a prefix of another.
 */
function copyOf(bundle: BundleText, n: number): string {
  const suffix = String(n).padStart(6, '0');
  return bundle.body.replace(/("family":\s*")([^"]*)"/g, `$1$2${suffix}"`);
}

const countResources = (db: FhirDatabase) =>
  asSuperuser(db, async (sql) => Number((await sql<{ n: string }[]>`select count(*) as n from resource where tenant_id = ${TENANT} and not deleted`)[0]!.n));

/** Posts copies of the bundles with CLIENTS clients until the tenant holds RESOURCES; the copies posted. */
async function grow(base: string, db: FhirDatabase): Promise<{ copies: number; resources: number }> {
  const bundles = syntheaBundles();
  const perBundle = bundles.reduce((n, b) => n + b.resources, 0) / bundles.length;
  const started = performance.now();
  let resources = await countResources(db);
  let copies = 0;
  while (resources < RESOURCES) {
    // Enough copies for what is missing (counted, not assumed: a copy's size depends on its bundle).
    const end = copies + Math.max(1, Math.ceil((RESOURCES - resources) / perBundle));
    const worker = async () => {
      while (copies < end) {
        const n = copies++;
        await postBundle(base, TENANT, copyOf(bundles[n % bundles.length]!, n));
        if ((n + 1) % 100 === 0) console.log(`search-100k: ${n + 1} bundles posted, ${Math.round((performance.now() - started) / 1000)} s`);
      }
    };
    await Promise.all(Array.from({ length: CLIENTS }, worker));
    resources = await countResources(db);
    console.log(`search-100k: ${copies} bundles posted, ${resources.toLocaleString('en')} resources in tenant ${TENANT}`);
  }
  return { copies, resources };
}

async function measure(base: string, paths: string[], cpu: () => { server: number; postgres: number }): Promise<Run> {
  const c0 = cpu();
  const r = await runLatencyLoad({ base, paths, connections: CONNECTIONS, duration: SECONDS });
  const c1 = cpu();
  return { ...r, cpu: { server: round((c1.server - c0.server) / r.requests, 3), postgres: round((c1.postgres - c0.postgres) / r.requests, 3) } };
}

const AUTO_EXPLAIN: [string, string][] = [
  ['session_preload_libraries', 'auto_explain'],
  ['auto_explain.log_min_duration', '0'],
  ['auto_explain.log_analyze', 'on'],
  ['auto_explain.log_buffers', 'on'],
  ['auto_explain.log_nested_statements', 'on'],
];

/**
 * The plan of each path, as the API login runs it: auto_explain switched on for new backends
 * (ALTER SYSTEM + reload, bench cluster only), a second server on the same database (its pool's
 * backends are new; the measured server's are not), each path run three times, the third one's plans kept.
 */
async function plans(db: FhirDatabase, clusterDir: string, paths: Partial<Record<Name, string>>): Promise<Partial<Record<Name, string>>> {
  const system = (on: boolean) =>
    asSuperuser(db, async (sql) => {
      await sql.unsafe(`load 'auto_explain'`); // ALTER SYSTEM accepts only parameters it knows
      for (const [name, value] of AUTO_EXPLAIN) await sql.unsafe(on ? `alter system set ${name} = '${value}'` : `alter system reset ${name}`);
      await sql`select pg_reload_conf()`;
    });
  await system(true);
  const server = await startServer({ databaseUrl: db.apiUrl, poolMax: 1 });
  const out: Partial<Record<Name, string>> = {};
  try {
    for (const [name, path] of Object.entries(paths) as [Name, string][]) {
      for (let i = 0; i < 2; i++) await (await fetch(server.base + path)).text(); // plans cached, pages read
      const from = logLength(clusterDir);
      await (await fetch(server.base + path)).text();
      // Every statement of the one request (the page, and the total when the server counts one).
      out[name] = searchPlans(clusterDir, from).join('\n') || '(no plan logged)';
    }
  } finally {
    await server.stop();
    await system(false);
  }
  return out;
}

export async function runSearch100k(ctx: BenchContext) {
  const server = await ctx.server();
  const db = await ctx.database();
  const cluster = await ctx.cluster();
  await createTenant(server.base, TENANT);
  const started = performance.now();
  const grown = await grow(server.base, db);
  const loadSeconds = (performance.now() - started) / 1000;
  await analyze(db.superUrl);
  console.log(`search-100k: loaded ${grown.resources.toLocaleString('en')} resources (${grown.copies} bundles, ${CLIENTS} clients) in ${loadSeconds.toFixed(1)} s, ${Math.round(grown.resources / loadSeconds)} resources/s; VACUUM ANALYZE done`);

  const queries = await searchQueriesWithHas(db.superUrl, TENANT, PATIENTS);
  const names = Object.keys(queries) as Name[];
  for (const name of names) await assertMatches(server.base, queries[name]);
  await runHttpLoad({ base: server.base, paths: names.flatMap((n) => queries[n]), connections: CONNECTIONS, duration: 2 }); // warm-up
  const cpu = () => ({ server: processCpuMs(server.pid), postgres: clusterCpuMs(cluster.dir) });
  const runs: Partial<Record<Name, Run[]>> = {};
  const load1: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    load1.push(loadavg()[0]!);
    for (const name of names) (runs[name] ??= []).push(await measure(server.base, queries[name], cpu));
  }
  const of = (name: Name, f: (x: Run) => number) => median((runs[name] ?? []).map(f));
  const table = names.map((name) => ({
    query: QUERY_NAMES_WITH_HAS[name],
    'req/s': Math.round(of(name, (x) => x.rps)),
    'p50 ms': round(of(name, (x) => x.p50), 2),
    'p99 ms': round(of(name, (x) => x.p99), 2),
    'CPU ms/search server/pg': `${round(of(name, (x) => x.cpu.server), 3)}/${round(of(name, (x) => x.cpu.postgres), 3)}`,
  }));
  console.table(table);
  const slow = Object.fromEntries(names.filter((n) => of(n, (x) => x.p50) > TARGET_MS).map((n) => [n, queries[n][0]!]));
  const slowPlans = Object.keys(slow).length > 0 ? await plans(db, cluster.dir, slow) : {};
  for (const [name, plan] of Object.entries(slowPlans)) console.log(`\n#### ${slow[name as Name]} (p50 ${round(of(name as Name, (x) => x.p50), 2)} ms)\n${plan}`);

  const worst = names.reduce((a, b) => (of(b, (x) => x.p50) > of(a, (x) => x.p50) ? b : a));
  writeResult('search-100k', {
    setup: {
      tenant: TENANT, resourcesTarget: RESOURCES, resources: grown.resources, bundlesPosted: grown.copies, loadClients: CLIENTS,
      loadSeconds: round(loadSeconds, 1), patientsSampled: queries.obsByPatientCodeDate.length, connections: CONNECTIONS, seconds: SECONDS,
      rounds: ROUNDS, pool: POOL, loadAverage1m: load1.map((x) => round(x, 1)),
    },
    queries: table.map((row, i) => ({ ...row, cpuMsPerSearch: { server: round(of(names[i]!, (x) => x.cpu.server), 3), postgres: round(of(names[i]!, (x) => x.cpu.postgres), 3) } })),
    examples: Object.fromEntries(names.map((n) => [n, queries[n][0]])),
    plans: slowPlans,
    runs,
  });
  return recordTargets([
    {
      id: 'search-100k-p50',
      benchmark: 'search-100k',
      description: `search p50 at ${grown.resources.toLocaleString('en')} resources in the tenant (worst of the ${names.length} bench shapes, ${CONNECTIONS} connections)`,
      op: '<=',
      threshold: TARGET_MS,
      measured: round(of(worst, (x) => x.p50), 2),
      unit: 'ms',
      detail: `p50 ms: ${names.map((n) => `${SHORT[n]} ${round(of(n, (x) => x.p50), 1)}`).join(', ')}`,
    },
  ]);
}

if (import.meta.url === `file://${process.argv[1]}`) await standalone(runSearch100k);
