/**
 * postgres.js load process: primary-key reads of `keys` at random, `concurrency` loops on a pool of
 * `pool` connections, for `duration` seconds, in one of the ways a FHIR read could reach the row:
 *   autocommit    one SELECT (superuser URL: no RLS) — the ceiling
 *   tx            what withTenant does: BEGIN; set_config(role), open_context(key, tenant); tenant row; SELECT; COMMIT
 *   tx-pipelined  the same statements sent without waiting for each answer (postgres.js pipelining)
 *   one-call      one autocommit call of a function that sets role + tenant, checks the tenant, reads
 * Prints one JSON line (queries/s, latency percentiles in ms). Started by runPgLoad().
 */
import postgres from 'postgres';
import type { PgLoad } from './loads.js';
import { benchInput } from './process.js';
import { processCpuMs } from './proc-cpu.js';
import { closedLoops } from './closed-loop.js';
import { latencySummary } from './stats.js';
import { BENCH_CONTEXT_KEY } from './stack.js';

const input = benchInput<PgLoad>();
const ENTER = "select set_config('role', $1, true), fhir_private.open_context($3, $2, 'tenant')";
const TENANT = 'select id, name, status, config from tenant where id = $1';
const READ = 'select resource::text as resource from resource where tenant_id = $1 and resource_type = $2 and id = $3';
const sql = postgres(input.url, { max: input.pool, onnotice: () => {}, connection: { application_name: `bench-${input.mode}-${process.pid}` } });

type Key = [string, string, string];
const ops: Record<PgLoad['mode'], (k: Key) => Promise<unknown>> = {
  autocommit: ([t, type, id]) => sql.unsafe(READ, [t, type, id], { prepare: true }),
  tx: ([t, type, id]) =>
    sql.begin(async (tx) => {
      await tx.unsafe(ENTER, ['fhir_app', t, BENCH_CONTEXT_KEY]);
      const [tenant] = await tx.unsafe(TENANT, [t]);
      if (!tenant) throw new Error('no tenant');
      return tx.unsafe(READ, [t, type, id]);
    }),
  'tx-pipelined': ([t, type, id]) =>
    sql.begin((tx) => [tx.unsafe(ENTER, ['fhir_app', t, BENCH_CONTEXT_KEY]), tx.unsafe(TENANT, [t]), tx.unsafe(READ, [t, type, id])]),
  'one-call': ([t, type, id]) => sql.unsafe('select bench_read($1, $2, $3, $4) as resource', [BENCH_CONTEXT_KEY, t, type, id]),
};

const op = ops[input.mode];
// Warm every connection and check the mode returns the row.
const probe = (await op(input.keys[0]!)) as unknown[] | unknown[][];
const rows = Array.isArray(probe[0]) ? (probe[probe.length - 1] as unknown[]) : probe;
if (rows.length !== 1) throw new Error(`mode ${input.mode}: the probe read returned ${rows.length} rows`);
await Promise.all(Array.from({ length: input.pool }, () => op(input.keys[0]!)));

/** CPU of this load's own backends (same machine): they exit with the pool, so they are read here. */
const appName = `bench-${input.mode}-${process.pid}`;
const backendCpuMs = async () => {
  const rows = await sql.unsafe<{ pid: number }[]>('select pid from pg_stat_activity where application_name = $1', [appName]);
  return rows.reduce((a, r) => a + processCpuMs(r.pid), 0);
};
const pg0 = await backendCpuMs();

const { latencies, errors, seconds } = await closedLoops(input.concurrency, input.duration, input.keys, async (k) => {
  await op(k);
  return true;
});
const pgCpuMs = (await backendCpuMs()) - pg0;
await sql.end({ timeout: 5 });
console.log(JSON.stringify({ rps: latencies.length / seconds, requests: latencies.length, ...latencySummary(latencies), non2xx: 0, errors, pgCpuMs, cpuMs: (process.cpuUsage().user + process.cpuUsage().system) / 1000 }));
