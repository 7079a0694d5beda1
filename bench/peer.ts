/**
 * Issue 15 (1): the same-run peer. Medplum's FHIR router 4.5 on its in-memory repository (no
 * database: an upper bound, bench/peer/medplum-server.ts) and our server, on PostgreSQL 15 and on
 * PGlite, get the same loads in alternating rounds (the order rotates each round):
 *   read     GET {type}/{id} of the same 9 × BENCH_PEER_SEED linked resources on each, autocannon, 32 connections
 *   create   POST Patient (the CRUD seed), autocannon, 32 connections
 *   crud     the CRUD mix (bench/lib/crud-load.ts) at 50 clients, PostgreSQL and the peer
 * Each figure is printed with its ratio to the peer's in the same round (median of rounds), and
 * with CPU ms per request: the server process (/proc), PostgreSQL's backends (/proc, PostgreSQL
 * only; PGlite runs inside the server process) and the load generator (process.cpuUsage).
 * Run: npm run bench:peer
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { BenchContext, POOL, standalone } from './lib/context.js';
import { CRUD_TYPES, seed, type Refs } from './lib/crud-seeds.js';
import { createTenant } from './lib/fhir-client.js';
import { runCrudLoad, runHttpLoad, type LoadResult } from './lib/loads.js';
import { startPeer } from './lib/peer.js';
import { clusterCpuMs, processCpuMs } from './lib/proc-cpu.js';
import { recordTargets, writeResult } from './lib/results.js';
import { startServer, type ServerProcess } from './lib/server.js';
import { median, round } from './lib/stats.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SECONDS = Number(process.env.BENCH_HTTP_SECONDS ?? 8);
const CRUD_SECONDS = Number(process.env.BENCH_PEER_CRUD_SECONDS ?? 10);
const SEED_ITERATIONS = Number(process.env.BENCH_PEER_SEED ?? 100);
export const PEER_CONNECTIONS = 32;
const CRUD_CLIENTS = 50;
const TENANT = 'peer';

type Side = 'postgres' | 'postgres-socket' | 'baseline' | 'pglite' | 'medplum';
type Load = 'read' | 'create' | 'crud';

interface Target {
  side: Side;
  base: string;
  /** CPU so far (ms): the server process and, on PostgreSQL, the cluster's backends. */
  cpu(): { server: number; postgres: number };
  /** GET paths of the seeded resources. */
  paths: string[];
}

interface Run extends LoadResult {
  cpu: { server: number; postgres: number; loadGenerator: number; total: number };
}

const json = { 'content-type': 'application/fhir+json', accept: 'application/fhir+json' };

/** Creates SEED_ITERATIONS sets of the nine linked CRUD resources (4 clients); their GET paths. */
async function seedResources(base: string): Promise<string[]> {
  const paths: string[] = [];
  let next = 0;
  const worker = async () => {
    while (next++ < SEED_ITERATIONS) {
      const refs: Refs = {};
      for (const type of CRUD_TYPES) {
        const res = await fetch(`${base}/tenants/${TENANT}/fhir/${type}`, { method: 'POST', headers: json, body: JSON.stringify(seed(type, refs)) });
        const body = (await res.json()) as { id?: string };
        if (res.status !== 201 || body.id === undefined) throw new Error(`seed ${type} on ${base}: ${res.status} ${JSON.stringify(body).slice(0, 300)}`);
        refs[type] = body.id;
        paths.push(`/tenants/${TENANT}/fhir/${type}/${body.id}`);
      }
    }
  };
  await Promise.all(Array.from({ length: 4 }, worker));
  return paths;
}

async function measure(t: Target, load: Load, seconds: number): Promise<Run> {
  const c0 = t.cpu();
  const r: LoadResult =
    load === 'crud'
      ? await runCrudLoad({ base: t.base, tenant: TENANT, concurrency: CRUD_CLIENTS, duration: seconds })
      : await runHttpLoad({
          base: t.base,
          paths: load === 'read' ? t.paths : [`/tenants/${TENANT}/fhir/Patient`],
          connections: PEER_CONNECTIONS,
          duration: seconds,
          ...(load === 'create' ? { body: JSON.stringify(seed('Patient', {})), headers: json } : {}),
        });
  const c1 = t.cpu();
  const n = r.requests + (load === 'crud' ? r.non2xx : 0);
  if (load === 'crud' && r.non2xx > 0) throw new Error(`crud on ${t.side}: ${r.non2xx} failed requests`);
  const server = (c1.server - c0.server) / n;
  const postgres = (c1.postgres - c0.postgres) / n;
  const loadGenerator = (r.cpuMs ?? 0) / n;
  return { ...r, cpu: { server: round(server, 3), postgres: round(postgres, 3), loadGenerator: round(loadGenerator, 3), total: round(server + postgres + loadGenerator, 3) } };
}

/**
 * BENCH_PEER_SIDES (default all but baseline): which sides run; `postgres` and `medplum` always do.
 * BENCH_BASELINE=<another checkout, its npm ci done>: adds side `baseline`, that checkout's server
 * on the same database, for a same-run comparison of two versions of ours.
 */
function sidesWanted(): Set<Side> {
  const named = process.env.BENCH_PEER_SIDES?.split(',').map((x) => x.trim());
  const all: Side[] = ['postgres', 'postgres-socket', 'pglite', 'medplum', ...(process.env.BENCH_BASELINE ? ['baseline' as const] : [])];
  return new Set(all.filter((s) => s === 'postgres' || s === 'medplum' || named === undefined || named.includes(s)));
}

export async function runPeer(ctx: BenchContext) {
  const ours = await ctx.server();
  const cluster = await ctx.cluster();
  const db = await ctx.database();
  const wanted = sidesWanted();
  const onPostgres = (s: ServerProcess) => () => ({ server: processCpuMs(s.pid), postgres: clusterCpuMs(cluster.dir) });
  const targets: Target[] = [{ side: 'postgres', base: ours.base, cpu: onPostgres(ours), paths: [] }];
  await createTenant(ours.base, TENANT);
  if (wanted.has('baseline') && process.env.BENCH_BASELINE) {
    const baseline = await startServer({ databaseUrl: db.apiUrl, poolMax: POOL, root: process.env.BENCH_BASELINE });
    ctx.onClose(() => baseline.stop());
    targets.push({ side: 'baseline', base: baseline.base, cpu: onPostgres(baseline), paths: [] });
  }
  if (wanted.has('postgres-socket')) {
    // The same server and database over the cluster's Unix-domain socket (libpq's `?host=<dir>`), as
    // a server next to its database would connect: on loopback TCP each round trip's writes go
    // through the TCP stack of both ends, charged to the writer.
    const socket = await startServer({ databaseUrl: `postgres://fhir_api@/${db.name}?host=${encodeURIComponent(cluster.dir)}&port=${cluster.port}`, poolMax: POOL });
    ctx.onClose(() => socket.stop());
    targets.push({ side: 'postgres-socket', base: socket.base, cpu: onPostgres(socket), paths: [] });
  }
  if (wanted.has('pglite')) {
    const dir = mkdtempSync(join(tmpdir(), 'fhir-bench-peer-pglite-'));
    ctx.onClose(() => rmSync(dir, { recursive: true, force: true }));
    // PGlite migrates on its first start: minutes on a loaded box.
    const lite = await startServer({ dataDir: join(dir, 'data'), healthyWithinMs: 300_000 });
    ctx.onClose(() => lite.stop());
    await createTenant(lite.base, TENANT);
    targets.push({ side: 'pglite', base: lite.base, cpu: () => ({ server: processCpuMs(lite.pid), postgres: 0 }), paths: [] });
  }
  const peer = await startPeer();
  ctx.onClose(() => peer.stop());
  targets.push({ side: 'medplum', base: peer.base, cpu: () => ({ server: processCpuMs(peer.pid), postgres: 0 }), paths: [] });
  for (const t of targets) t.paths = await seedResources(t.base);
  console.log(`peer: seeded ${targets[0]!.paths.length} resources on each side (pool ${POOL} on PostgreSQL)`);
  const loadsOf = (t: Target): Load[] => (t.side === 'pglite' ? ['read', 'create'] : ['read', 'create', 'crud']);
  for (const t of targets) for (const load of loadsOf(t)) await measure(t, load, 2); // warm-up (JIT, plans)

  const runs: Record<Load, Partial<Record<Side, Run[]>>> = { read: {}, create: {}, crud: {} };
  const load1: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    load1.push(loadavg()[0]!);
    for (const load of ['read', 'create', 'crud'] as const) {
      const order = [...targets.slice(r % targets.length), ...targets.slice(0, r % targets.length)].filter((t) => loadsOf(t).includes(load));
      for (const t of order) ((runs[load][t.side] ??= []) as Run[]).push(await measure(t, load, load === 'crud' ? CRUD_SECONDS : SECONDS));
    }
    console.log(`peer round ${r + 1}/${ROUNDS} (load ${loadavg().map((x) => x.toFixed(1)).join(' ')}): ${(['read', 'create', 'crud'] as const).map((l) => `${l} ${Object.entries(runs[l]).map(([s, rs]) => `${s} ${Math.round(rs!.at(-1)!.rps)}/s`).join(' ')}`).join('; ')}`);
  }

  const ratio = (load: Load, side: Side, f: (x: Run, peer: Run) => number, against: Side = 'medplum') => {
    const ours = runs[load][side] ?? [];
    const theirs = runs[load][against] ?? [];
    return round(median(ours.map((x, i) => f(x, theirs[i]!))), 3);
  };
  const cpu = (x: Run) => x.cpu.server + x.cpu.postgres;
  const rows = (['read', 'create', 'crud'] as const).flatMap((load) =>
    (Object.entries(runs[load]) as [Side, Run[]][]).map(([side, rs]) => ({
      load: load === 'crud' ? `CRUD mix, ${CRUD_CLIENTS} clients` : `${load}, ${PEER_CONNECTIONS} connections`,
      side,
      'req/s': Math.round(median(rs.map((x) => x.rps))),
      'x peer': ratio(load, side, (x, p) => x.rps / p.rps),
      'p50 ms': round(median(rs.map((x) => x.p50)), 2),
      'p99 ms': round(median(rs.map((x) => x.p99)), 2),
      'CPU ms/req server/pg/loadgen': `${round(median(rs.map((x) => x.cpu.server)), 3)}/${round(median(rs.map((x) => x.cpu.postgres)), 3)}/${round(median(rs.map((x) => x.cpu.loadGenerator)), 3)}`,
      /** Peer CPU per request over ours (server + database): the ratio a CPU-bound box would show. */
      'x peer by CPU': ratio(load, side, (x, p) => (p.cpu.server + p.cpu.postgres) / (x.cpu.server + x.cpu.postgres)),
      runs: rs.map((x) => Math.round(x.rps)).join(', '),
    })),
  );
  console.table(rows);
  const summary = {
    readOverPeer: ratio('read', 'postgres', (x, p) => x.rps / p.rps),
    createOverPeer: ratio('create', 'postgres', (x, p) => x.rps / p.rps),
    crudOverPeer: ratio('crud', 'postgres', (x, p) => x.rps / p.rps),
    readOverPeerPglite: ratio('read', 'pglite', (x, p) => x.rps / p.rps),
    createOverPeerPglite: ratio('create', 'pglite', (x, p) => x.rps / p.rps),
    readOverPeerSocket: ratio('read', 'postgres-socket', (x, p) => x.rps / p.rps),
    createOverPeerSocket: ratio('create', 'postgres-socket', (x, p) => x.rps / p.rps),
    crudOverPeerSocket: ratio('crud', 'postgres-socket', (x, p) => x.rps / p.rps),
    // BENCH_BASELINE: this checkout's server CPU and server + PostgreSQL CPU per request over the baseline's.
    ...(runs.read.baseline ? Object.fromEntries((['read', 'create', 'crud'] as const).flatMap((l) => [
      [`${l}ServerCpuOverBaseline`, ratio(l, 'postgres', (x, b) => x.cpu.server / b.cpu.server, 'baseline')],
      [`${l}CpuOverBaseline`, ratio(l, 'postgres', (x, b) => cpu(x) / cpu(b), 'baseline')],
    ])) : {}),
  };
  console.log(JSON.stringify(summary));
  writeResult('peer', {
    setup: { peer: '@medplum/fhir-router 4.5 MemoryRepository (bench/peer/medplum-server.ts)', tenant: TENANT, seeded: targets[0]!.paths.length, connections: PEER_CONNECTIONS, crudClients: CRUD_CLIENTS, rounds: ROUNDS, seconds: SECONDS, crudSeconds: CRUD_SECONDS, pool: POOL, loadAverage1m: load1.map((x) => round(x, 1)) },
    summary,
    table: rows,
    runs,
  });
  const fig = (load: Load, side: Side) => Math.round(median((runs[load][side] ?? []).map((x) => x.rps))).toLocaleString('en');
  return recordTargets([
    { id: 'read-vs-peer', benchmark: 'peer', description: `read by id vs Medplum fhir-router in memory, same run (${PEER_CONNECTIONS} connections, PostgreSQL)`, op: '>=', threshold: 0.6, measured: summary.readOverPeer, unit: 'x', detail: `${fig('read', 'postgres')} vs ${fig('read', 'medplum')} req/s` },
    { id: 'create-vs-peer', benchmark: 'peer', description: `create vs Medplum fhir-router in memory, same run (${PEER_CONNECTIONS} connections, PostgreSQL)`, op: '>=', threshold: 0.25, measured: summary.createOverPeer, unit: 'x', detail: `${fig('create', 'postgres')} vs ${fig('create', 'medplum')} req/s` },
  ]);
}

if (import.meta.url === `file://${process.argv[1]}`) await standalone(runPeer);
