/**
 * Issue 7 (1)(2)(3): read by id. Side by side in each round, on the same data and the same random
 * keys, with the same pool size and concurrency:
 *   ceiling     postgres.js, one autocommit primary-key SELECT (no HTTP, no transaction, no RLS)
 *   pg:tx       postgres.js, the transaction the server opens per read (no HTTP)
 *   pg:*        the fast-path candidates of the diagnosis (pipelined, one call, tenant-bound)
 *   http        GET /tenants/bench/fhir/{type}/{id} through the server (autocannon, own process)
 *   http:rls-off  the same with RLS disabled on every tenant table (bench-only switch, superuser)
 *   http:healthz  GET /healthz (no database): the floor of this HTTP stack and load generator on this box
 * Reports medians over rounds of q/s, p50, p99, and the ratios the targets are about.
 * Run: npm run bench:read
 */
import { BenchContext, DATA_TENANT, POOL, standalone } from './lib/context.js';
import { sampleKeys } from './lib/keys.js';
import { runHttpLoad, runPgLoad, type LoadResult, type PgMode } from './lib/loads.js';
import { recordTargets, writeResult } from './lib/results.js';
import { asSuperuser, setRowLevelSecurity, type FhirDatabase } from './lib/stack.js';
import { clusterCpuMs, processCpuMs } from './lib/proc-cpu.js';
import { median, round } from './lib/stats.js';

export const CONCURRENCY = Number(process.env.BENCH_READ_CONCURRENCY ?? 50);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const PG_SECONDS = Number(process.env.BENCH_PG_SECONDS ?? 6);
const HTTP_SECONDS = Number(process.env.BENCH_HTTP_SECONDS ?? 8);

/**
 * The one-call candidate: a plain (not SECURITY DEFINER) function, so it runs as the caller and
 * its set_config of role and tenant are transaction-local to the autocommit statement.
 */
async function createReadFunction(db: FhirDatabase): Promise<void> {
  await asSuperuser(db, (sql) => sql.unsafe(`
    create or replace function bench_read(p_key text, p_tenant text, p_type text, p_id text) returns text
    language plpgsql as $$
    declare st text; body text;
    begin
      perform set_config('role', 'fhir_app', true), fhir_private.open_context(p_key, p_tenant, 'tenant');
      select status into st from tenant where id = p_tenant;
      if st is distinct from 'active' then raise exception 'tenant % not active', p_tenant; end if;
      select resource::text into body from resource where tenant_id = p_tenant and resource_type = p_type and id = p_id;
      return body;
    end $$;
    grant execute on function bench_read(text, text, text, text) to public;`));
}

type Variant = 'ceiling' | `pg:${Exclude<PgMode, 'autocommit'>}` | 'http' | 'http:rls-off' | 'http:healthz';

/** A run plus the CPU it cost per request (ms): the client or server process, PostgreSQL, the load generator. */
interface Run extends LoadResult {
  cpu: { app: number; postgres: number; loadGenerator: number; total: number };
}

export async function runRead(ctx: BenchContext) {
  const { base, db } = await ctx.loaded();
  const server = await ctx.server();
  const clusterDir = (await ctx.cluster()).dir;
  /** CPU per request is far less disturbed by other processes on a shared machine than throughput is. */
  const withCpu = async (http: boolean, f: () => Promise<LoadResult>): Promise<Run> => {
    const s0 = processCpuMs(server.pid);
    const p0 = clusterCpuMs(clusterDir);
    const r = await f();
    const n = r.requests;
    const app = http ? (processCpuMs(server.pid) - s0) / n : (r.cpuMs ?? 0) / n;
    // postgres.js loads close their connections, and their backends' CPU with them: they report it.
    const postgres = (r.pgCpuMs ?? clusterCpuMs(clusterDir) - p0) / n;
    const loadGenerator = http ? (r.cpuMs ?? 0) / n : 0;
    return { ...r, cpu: { app: round(app, 3), postgres: round(postgres, 3), loadGenerator: round(loadGenerator, 3), total: round(app + postgres + loadGenerator, 3) } };
  };
  const keys = await sampleKeys(db);
  await createReadFunction(db);
  const paths = keys.map(([t, type, id]) => `/tenants/${t}/fhir/${type}/${id}`);
  const http = (seconds: number, p = paths) => withCpu(true, () => runHttpLoad({ base, paths: p, connections: CONCURRENCY, duration: seconds }));
  const pg = (mode: PgMode, url: string) => withCpu(false, () => runPgLoad({ url, mode, pool: POOL, concurrency: CONCURRENCY, duration: PG_SECONDS, keys }));

  await http(3); // warm the server (JIT, prepared statements) before anything is recorded
  const runs: Record<Variant, Run[]> = { ceiling: [], 'pg:tx': [], 'pg:tx-pipelined': [], 'pg:one-call': [], http: [], 'http:rls-off': [], 'http:healthz': [] };
  for (let round = 0; round < ROUNDS; round++) {
    runs.ceiling.push(await pg('autocommit', db.superUrl));
    for (const mode of ['tx', 'tx-pipelined', 'one-call'] as const) runs[`pg:${mode}`].push(await pg(mode, db.apiUrl));
    // RLS on and off interleaved, the order alternating per round against drift.
    const order = round % 2 === 0 ? [true, false] : [false, true];
    for (const on of order) {
      if (!on) await setRowLevelSecurity(db, false);
      try {
        runs[on ? 'http' : 'http:rls-off'].push(await http(HTTP_SECONDS));
      } finally {
        if (!on) await setRowLevelSecurity(db, true);
      }
    }
    runs['http:healthz'].push(await http(HTTP_SECONDS, ['/healthz']));
    console.log(`read round ${round + 1}/${ROUNDS}: ${Object.entries(runs).map(([k, v]) => `${k} ${Math.round(v.at(-1)!.rps)}/s`).join(', ')}`);
  }

  const perRound = (f: (i: number) => number) => median(runs.http.map((_, i) => f(i)));
  const readRatio = perRound((i) => runs.http[i]!.rps / runs.ceiling[i]!.rps);
  const txRatio = perRound((i) => runs['pg:tx'][i]!.rps / runs.ceiling[i]!.rps);
  const httpOverTx = perRound((i) => runs.http[i]!.rps / runs['pg:tx'][i]!.rps);
  const rlsCost = perRound((i) => 1 - runs.http[i]!.rps / runs['http:rls-off'][i]!.rps);
  // The same price in CPU: extra CPU per request with RLS on, over the total with it off.
  const rlsCpuCost = perRound((i) => runs.http[i]!.cpu.total / runs['http:rls-off'][i]!.cpu.total - 1);
  const cpuRatio = perRound((i) => runs.ceiling[i]!.cpu.total / runs.http[i]!.cpu.total);
  const floorRatio = perRound((i) => runs['http:healthz'][i]!.rps / runs.ceiling[i]!.rps);
  const table = Object.entries(runs).map(([variant, rs]) => ({
    variant,
    'q/s (median)': Math.round(median(rs.map((r) => r.rps))),
    'p50 ms': round(median(rs.map((r) => r.p50)), 2),
    'p99 ms': round(median(rs.map((r) => r.p99)), 2),
    'x ceiling': round(median(rs.map((r, i) => r.rps / runs.ceiling[i]!.rps)), 3),
    'CPU ms/req app': round(median(rs.map((r) => r.cpu.app)), 3),
    'CPU ms/req pg': round(median(rs.map((r) => r.cpu.postgres)), 3),
    'CPU ms/req loadgen': round(median(rs.map((r) => r.cpu.loadGenerator)), 3),
    runs: rs.map((r) => Math.round(r.rps)).join(', '),
  }));
  console.table(table);
  const summary = {
    readOverCeiling: round(readRatio, 3),
    txOverCeiling: round(txRatio, 3),
    httpOverTx: round(httpOverTx, 3),
    rlsCostPercent: round(rlsCost * 100, 1),
    rlsCpuCostPercent: round(rlsCpuCost * 100, 1),
    /** Ceiling CPU per read / HTTP CPU per read: the read-over-ceiling ratio a CPU-bound box would show. */
    readOverCeilingByCpu: round(cpuRatio, 3),
    /** GET /healthz over the ceiling: what any endpoint of this HTTP stack could reach here at best. */
    healthzOverCeiling: round(floorRatio, 3),
  };
  console.log(JSON.stringify(summary));
  writeResult('read', {
    setup: { tenant: DATA_TENANT, keys: keys.length, pool: POOL, concurrency: CONCURRENCY, rounds: ROUNDS, pgSeconds: PG_SECONDS, httpSeconds: HTTP_SECONDS },
    summary,
    variants: table,
    runs,
  });
  // RLS is judged on CPU per request: on a CPU-bound box it is what throughput follows, and unlike
  // an 8-second throughput sample it hardly moves when other sessions take the cores (read.json keeps both).
  return recordTargets([
    { id: 'read-vs-ceiling', benchmark: 'read', description: 'Read by id over HTTP / postgres.js ceiling (req/s)', op: '>=', threshold: 0.6, measured: summary.readOverCeiling, unit: 'x' },
    { id: 'rls-cost', benchmark: 'read', description: 'RLS cost on read by id (CPU per request, on/off - 1)', op: '<=', threshold: 15, measured: summary.rlsCpuCostPercent, unit: '%' },
  ]);
}

if (import.meta.url === `file://${process.argv[1]}`) await standalone(runRead);
