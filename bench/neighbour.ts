/**
 * Issue 12: a noisy neighbour that sends costly requests. A quiet tenant (one Synthea patient)
 * reads by id and searches (one closed loop each); its p50/p99 are measured alone, then while a
 * noisy tenant sends one kind of costly request (bench/lib/costly-requests.ts) in 4 concurrent
 * closed loops. Every request has a deadline, so a stalled server shows up as failed quiet
 * requests. The server's RSS is sampled through each phase; the noisy answers' status codes are
 * counted. On PostgreSQL (a database of the throwaway cluster, autovacuum off on its tables so
 * the noisy tenant's data stays unanalyzed) and on the embedded PGlite (temp DATA_DIR), each
 * with the server as its own process, restarted before every phase so that no phase inherits the
 * last one's stuck work or memory.
 * Run: npm run bench:neighbour
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadavg } from 'node:os';
import { analyze, BenchContext, POOL, standalone } from './lib/context.js';
import { COSTLY_KINDS, COSTLY_NAMES, costlyRequests, type CostlyKind } from './lib/costly-requests.js';
import { createTenant, postBundle } from './lib/fhir-client.js';
import { runRequestLoad, type GroupResult, type RequestLoad, type RequestSpec } from './lib/loads.js';
import { noisyBundle } from './lib/neighbour-data.js';
import { sampleRss, type RssSamples } from './lib/proc-rss.js';
import { recordTargets, writeResult, type Target } from './lib/results.js';
import { startServer, type ServerOptions, type ServerProcess } from './lib/server.js';
import { asSuperuser, createFhirDatabase, type FhirDatabase } from './lib/stack.js';
import { round } from './lib/stats.js';
import { syntheaBundles } from '../test/fixtures/synthea.js';

const SECONDS = Number(process.env.BENCH_NEIGHBOUR_SECONDS ?? 12);
const WARM_SECONDS = 2;
const TIMEOUT_MS = Number(process.env.BENCH_NEIGHBOUR_TIMEOUT_MS ?? 10_000);
const NOISY_LOOPS = 4;
const BACKENDS = (process.env.BENCH_NEIGHBOUR_BACKENDS ?? 'postgres,pglite').split(',') as ('postgres' | 'pglite')[];
const KINDS = COSTLY_KINDS.filter((k) => !process.env.BENCH_NEIGHBOUR_KINDS || process.env.BENCH_NEIGHBOUR_KINDS.split(',').includes(k));
/** The brief leaves "bounded" open: this is the growth of the server's RSS within one phase we call bounded. */
const RSS_GROWTH_MIB = Number(process.env.BENCH_NEIGHBOUR_RSS_GROWTH_MIB ?? 256);
const QUIET = 'quiet';
const NOISY = 'noisy';

interface Backend {
  name: 'postgres' | 'pglite';
  start(): Promise<ServerProcess>;
  /** After the server stopped: end what it left running (PostgreSQL backends still on a costly query). */
  afterStop(): Promise<void>;
  /** After the quiet tenant's load: its statistics (PostgreSQL), not the noisy tenant's. */
  analyzeQuiet(): Promise<void>;
}

/** A server that a costly request keeps busy gets 5 s after SIGTERM, not 15. */
const SERVER_DEFAULTS: Partial<ServerOptions> = { killAfterMs: 5_000, logLineChars: 300, logLines: 5, env: { SHUTDOWN_GRACE_MS: '2000' } };

async function postgresBackend(ctx: BenchContext): Promise<Backend> {
  const db = await createFhirDatabase(await ctx.cluster(), 'neighbour');
  await noAutovacuum(db);
  return {
    name: 'postgres',
    start: () => startServer({ ...SERVER_DEFAULTS, databaseUrl: db.apiUrl, poolMax: POOL }),
    afterStop: () => asSuperuser(db, async (sql) => {
      await sql`select pg_terminate_backend(pid) from pg_stat_activity where datname = ${db.name} and pid <> pg_backend_pid()`;
    }),
    analyzeQuiet: () => analyze(db.superUrl),
  };
}

/** Autovacuum off on every table of the database, so that nothing analyzes the noisy tenant's load. */
async function noAutovacuum(db: FhirDatabase): Promise<void> {
  await asSuperuser(db, async (sql) => {
    const tables = await sql<{ t: string }[]>`select format('%I.%I', n.nspname, c.relname) as t from pg_class c
      join pg_namespace n on n.oid = c.relnamespace where c.relkind in ('r', 'm') and n.nspname not in ('pg_catalog', 'information_schema', 'pg_toast')`;
    for (const { t } of tables) await sql.unsafe(`alter table ${t} set (autovacuum_enabled = off)`);
  });
}

function pgliteBackend(ctx: BenchContext): Backend {
  const dir = mkdtempSync(join(tmpdir(), 'fhir-bench-neighbour-'));
  ctx.onClose(() => rmSync(dir, { recursive: true, force: true }));
  // PGlite runs no autovacuum: nothing analyzes either tenant.
  return { name: 'pglite', start: () => startServer({ ...SERVER_DEFAULTS, dataDir: join(dir, 'data') }), afterStop: async () => {}, analyzeQuiet: async () => {} };
}

async function get<T>(base: string, path: string): Promise<T> {
  const res = await fetch(`${base}${path}`, { headers: { accept: 'application/fhir+json' } });
  if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${(await res.text()).slice(0, 300)}`);
  return (await res.json()) as T;
}

type SearchSet = { entry?: { resource: { id: string; code?: { coding?: { system?: string; code?: string }[] } } }[] };

async function ids(base: string, tenant: string, type: string, count: number): Promise<string[]> {
  const b = await get<SearchSet>(base, `/tenants/${tenant}/fhir/${type}?_count=${count}&_elements=id`);
  return (b.entry ?? []).map((e) => e.resource.id);
}

/** The quiet tenant's requests: read by id (its Patient and Observations), and its most frequent Observation code. */
async function quietRequests(base: string): Promise<{ read: RequestSpec[]; search: RequestSpec[]; searchPath: string }> {
  const t = `/tenants/${QUIET}/fhir`;
  const read = [...(await ids(base, QUIET, 'Patient', 10)).map((id) => `Patient/${id}`), ...(await ids(base, QUIET, 'Observation', 200)).map((id) => `Observation/${id}`)];
  const obs = await get<SearchSet>(base, `${t}/Observation?_count=1000&_elements=code`);
  const freq = new Map<string, number>();
  for (const e of obs.entry ?? []) {
    const c = e.resource.code?.coding?.[0];
    if (c?.system && c.code) freq.set(`${c.system}|${c.code}`, (freq.get(`${c.system}|${c.code}`) ?? 0) + 1);
  }
  const [token] = [...freq.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0] ?? [];
  if (token === undefined || read.length === 0) throw new Error('neighbour: the quiet tenant has no Observations');
  const searchPath = `${t}/Observation?code=${encodeURIComponent(token)}`;
  const hits = await get<SearchSet>(base, searchPath);
  if ((hits.entry ?? []).length === 0) throw new Error(`neighbour: ${searchPath} matches nothing`);
  return {
    read: read.map((p) => ({ label: 'read', method: 'GET', path: `${t}/${p}` })),
    search: [{ label: 'search', method: 'GET', path: searchPath }],
    searchPath: `Observation?code=${token}`,
  };
}

interface PhaseResult {
  phase: 'alone' | CostlyKind;
  read: GroupResult;
  search: GroupResult;
  noisy?: GroupResult;
  rss: RssSamples;
  /** The server was gone at the end of the phase. */
  serverDied: boolean;
  /** Load averages (1, 5, 15 min) at the end of the phase: what else ran on the machine. */
  loadavg: number[];
}

async function runBackend(backend: Backend) {
  const setupStarted = performance.now();
  let server = await backend.start();
  await createTenant(server.base, QUIET);
  await createTenant(server.base, NOISY);
  await postBundle(server.base, QUIET, syntheaBundles()[0]!.body);
  await backend.analyzeQuiet();
  const t0 = performance.now();
  await postBundle(server.base, NOISY, noisyBundle(400, 3));
  const noisyLoadSeconds = round((performance.now() - t0) / 1000, 1);
  const quiet = await quietRequests(server.base);
  const patchIds = await ids(server.base, NOISY, 'Patient', 400);
  if (patchIds.length !== 400) throw new Error(`neighbour: the noisy tenant has ${patchIds.length} Patients, not 400`);
  const setupSeconds = round((performance.now() - setupStarted) / 1000, 1);
  console.log(`neighbour ${backend.name}: quiet tenant ${quiet.read.length} read paths + ${quiet.searchPath}; noisy tenant 400 Patients + 1,200 Observations in ${noisyLoadSeconds} s (set-up ${setupSeconds} s)`);

  const noisyBase = `/tenants/${NOISY}/fhir`;
  const quietGroups = (): RequestLoad['groups'] => [
    { label: 'read', loops: 1, requests: quiet.read },
    { label: 'search', loops: 1, requests: quiet.search },
  ];
  const phases: PhaseResult[] = [];
  for (const phase of ['alone', ...KINDS] as const) {
    // A fresh server per phase: no phase inherits the previous one's stuck requests or memory.
    await server.stop();
    await backend.afterStop();
    server = await backend.start();
    await runRequestLoad({ base: server.base, groups: quietGroups(), duration: WARM_SECONDS, timeoutMs: TIMEOUT_MS });
    const groups = quietGroups();
    if (phase !== 'alone') groups.push({ label: 'noisy', loops: NOISY_LOOPS, requests: costlyRequests(phase, noisyBase, patchIds), cutAtEnd: true });
    const rss = sampleRss(server.pid);
    const r = await runRequestLoad({ base: server.base, groups, duration: SECONDS, timeoutMs: TIMEOUT_MS });
    const result: PhaseResult = {
      phase,
      read: r.groups[0]!,
      search: r.groups[1]!,
      noisy: r.groups[2],
      rss: rss.stop(),
      serverDied: !server.alive(),
      loadavg: loadavg().map((x) => round(x, 2)),
    };
    phases.push(result);
    const noisy = result.noisy ? ` | noisy ${result.noisy.requests} req ${JSON.stringify(result.noisy.statuses[phase] ?? {})}` : '';
    console.log(`neighbour ${backend.name} ${phase}: read p50/p99 ${result.read.all.p50}/${result.read.all.p99} ms (${result.read.all.n} requests, ${result.read.failed} failed), search ${result.search.all.p50}/${result.search.all.p99} ms (${result.search.all.n}, ${result.search.failed} failed)${noisy} | RSS max ${result.rss.maxMiB} MiB (+${result.rss.growthMiB})${result.serverDied ? ' | SERVER DIED' : ''} | load ${result.loadavg.join(' ')}`);
  }
  await server.stop();
  await backend.afterStop();
  return { backend: backend.name, setupSeconds, noisyLoadSeconds, quietSearch: quiet.searchPath, quietReadPaths: quiet.read.length, phases };
}

/**
 * Quiet p99 with noise over alone, over every quiet request, failures included: a request that
 * timed out counts at its deadline, so a stalled server cannot look fast on its few successes.
 */
function p99Ratio(noisy: GroupResult, alone: GroupResult): number {
  return round(noisy.all.p99 / alone.all.p99, 2);
}

function summarize(run: Awaited<ReturnType<typeof runBackend>>) {
  const alone = run.phases[0]!;
  const rows = run.phases.map((p) => ({
    backend: run.backend,
    phase: p.phase,
    'read p50/p99 ms (n)': `${p.read.all.p50}/${p.read.all.p99} (${p.read.all.n})`,
    'search p50/p99 ms (n)': `${p.search.all.p50}/${p.search.all.p99} (${p.search.all.n})`,
    'p99 x alone (read, search)': p.phase === 'alone' ? '' : `${p99Ratio(p.read, alone.read)}, ${p99Ratio(p.search, alone.search)}`,
    'quiet failed': p.read.failed + p.search.failed,
    'noisy statuses': p.noisy ? Object.entries(p.noisy.statuses[p.phase] ?? {}).map(([s, n]) => `${s}:${n}`).join(' ') : '',
    'RSS max MiB (+growth)': `${p.rss.maxMiB} (+${p.rss.growthMiB})${p.serverDied ? ' DIED' : ''}`,
    load: p.loadavg[0],
  }));
  const noisy = run.phases.slice(1);
  const worstRatio = Math.max(0, ...noisy.flatMap((p) => [p99Ratio(p.read, alone.read), p99Ratio(p.search, alone.search)]));
  const failedQuiet = noisy.reduce((n, p) => n + p.read.failed + p.search.failed, 0);
  const maxGrowth = Math.max(0, ...noisy.map((p) => (p.serverDied ? Number.MAX_SAFE_INTEGER : p.rss.growthMiB)));
  return {
    rows,
    summary: {
      worstP99Ratio: worstRatio,
      failedQuietRequests: failedQuiet,
      maxRssMiB: Math.max(...run.phases.map((p) => p.rss.maxMiB)),
      maxRssGrowthMiB: maxGrowth === Number.MAX_SAFE_INTEGER ? null : round(maxGrowth, 1),
      serverDiedIn: noisy.filter((p) => p.serverDied).map((p) => p.phase),
    },
  };
}

export async function runNeighbour(ctx: BenchContext) {
  const started = performance.now();
  const runs = [];
  for (const name of BACKENDS) {
    const backend = name === 'postgres' ? await postgresBackend(ctx) : pgliteBackend(ctx);
    runs.push(await runBackend(backend));
  }
  const summaries = runs.map((r) => ({ backend: r.backend, ...summarize(r) }));
  console.table(summaries.flatMap((s) => s.rows));
  const seconds = round((performance.now() - started) / 1000, 1);
  writeResult('neighbour', {
    setup: {
      quiet: { tenant: QUIET, bundle: syntheaBundles()[0]!.file, loops: { read: 1, search: 1 } },
      noisy: { tenant: NOISY, data: '400 Patients (one extension each) + 1,200 Observations, one transaction bundle, never analyzed', loops: NOISY_LOOPS },
      kinds: Object.fromEntries(KINDS.map((k) => [k, COSTLY_NAMES[k]])),
      seconds: SECONDS, warmSeconds: WARM_SECONDS, timeoutMs: TIMEOUT_MS, pool: POOL, rssGrowthBoundMiB: RSS_GROWTH_MIB, totalSeconds: seconds,
    },
    summary: Object.fromEntries(summaries.map((s) => [s.backend, s.summary])),
    table: summaries.flatMap((s) => s.rows),
    runs,
  });
  console.log(`neighbour: ${seconds} s in all`);
  const targets: Target[] = summaries.flatMap(({ backend, summary }) => [
    { id: `neighbour-p99-${backend}`, benchmark: 'neighbour', description: `Neighbour (${backend}): quiet p99 with costly noise / alone, worst kind`, op: '<=', threshold: 2, measured: summary.worstP99Ratio, unit: 'x' },
    { id: `neighbour-failed-${backend}`, benchmark: 'neighbour', description: `Neighbour (${backend}): failed quiet requests (non-2xx, timeouts)`, op: '<=', threshold: 0, measured: summary.failedQuietRequests, unit: 'requests' },
    // A server that died has no growth to report: it counts as unbounded.
    { id: `neighbour-rss-${backend}`, benchmark: 'neighbour', description: `Neighbour (${backend}): server RSS growth in a phase (max ${summary.maxRssMiB} MiB)`, op: '<=', threshold: RSS_GROWTH_MIB, measured: summary.maxRssGrowthMiB ?? Number.MAX_SAFE_INTEGER, unit: 'MiB' },
  ] satisfies Target[]);
  return recordTargets(targets);
}

if (import.meta.url === `file://${process.argv[1]}`) await standalone(runNeighbour);
