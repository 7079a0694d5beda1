/**
 * Issue 7 (4): the CRUD mix of HealthSamurai's fhir-server-performance-benchmark (see
 * bench/lib/crud-load.ts: per iteration 9 create, 9 read, 9 update, 1 search, 9 delete of nine
 * linked resources) with 10, 50 and 100 concurrent clients, in a tenant of its own.
 * Run: npm run bench:crud
 */
import { BenchContext, standalone } from './lib/context.js';
import { createTenant } from './lib/fhir-client.js';
import { runCrudLoad, type CrudResult } from './lib/loads.js';
import { recordTargets, writeResult } from './lib/results.js';
import { clusterCpuMs, processCpuMs } from './lib/proc-cpu.js';
import { round } from './lib/stats.js';

const LEVELS = (process.env.BENCH_CRUD_LEVELS ?? '10,50,100').split(',').map(Number);
const SECONDS = Number(process.env.BENCH_CRUD_SECONDS ?? 15);
export const CRUD_TENANT = 'crud';

export async function runCrud(ctx: BenchContext) {
  const { base } = await ctx.loaded();
  await createTenant(base, CRUD_TENANT);
  await runCrudLoad({ base, tenant: CRUD_TENANT, concurrency: 10, duration: 3 }); // warm-up
  const server = await ctx.server();
  const clusterDir = (await ctx.cluster()).dir;
  const runs: Record<number, CrudResult & { cpu: { server: number; postgres: number; loadGenerator: number } }> = {};
  for (const c of LEVELS) {
    const s0 = processCpuMs(server.pid);
    const p0 = clusterCpuMs(clusterDir);
    const r = await runCrudLoad({ base, tenant: CRUD_TENANT, concurrency: c, duration: SECONDS });
    const n = r.requests + r.non2xx;
    runs[c] = { ...r, cpu: { server: round((processCpuMs(server.pid) - s0) / n, 3), postgres: round((clusterCpuMs(clusterDir) - p0) / n, 3), loadGenerator: round((r.cpuMs ?? 0) / n, 3) } };
    console.log(`crud ${c} clients: ${Math.round(runs[c].rps)} req/s, p50 ${runs[c].p50} ms, p99 ${runs[c].p99} ms, failures ${JSON.stringify(runs[c].failures)}`);
  }
  const table = LEVELS.map((c) => ({
    clients: c,
    'req/s': Math.round(runs[c]!.rps),
    'iterations/s': round(runs[c]!.iterations / SECONDS, 1),
    'p50 ms': runs[c]!.p50,
    'p99 ms': runs[c]!.p99,
    ...Object.fromEntries(Object.entries(runs[c]!.ops).map(([op, s]) => [`${op} p50/p99`, `${s.p50}/${s.p99}`])),
    failed: runs[c]!.non2xx,
    'CPU ms/req server/pg/loadgen': `${runs[c]!.cpu.server}/${runs[c]!.cpu.postgres}/${runs[c]!.cpu.loadGenerator}`,
  }));
  console.table(table);
  writeResult('crud', {
    setup: { tenant: CRUD_TENANT, seconds: SECONDS, mix: 'per iteration: 9 create, 9 read, 9 update, 1 search (Observation?subject=Patient/{id}), 9 delete (reverse order); 9 linked types: Patient, Location, Organization, Practitioner, Encounter, Observation, MedicationRequest, Claim, ExplanationOfBenefit' },
    levels: table,
    runs,
  });
  const at50 = runs[50];
  if (!at50) return [];
  return recordTargets([
    // Issue 15: Aidbox's published CRUD rate per CPU (≈ 650) on our 2 cores, PostgreSQL and the load generator included.
    { id: 'crud-50-rps', benchmark: 'crud', description: 'CRUD mix at 50 clients, throughput', op: '>=', threshold: 1300, measured: Math.round(at50.rps), unit: 'req/s', detail: `CPU ms/req server ${at50.cpu.server}, PostgreSQL ${at50.cpu.postgres}, load generator ${at50.cpu.loadGenerator}` },
    { id: 'crud-50-p99', benchmark: 'crud', description: 'CRUD mix at 50 clients, p99 latency', op: '<=', threshold: 100, measured: at50.p99, unit: 'ms', detail: `p50 ${at50.p50} ms` },
    { id: 'crud-50-server-cpu', benchmark: 'crud', description: 'CPU per CRUD request, server process (50 clients)', op: '<=', threshold: 0.6, measured: at50.cpu.server, unit: 'ms' },
  ]);
}

if (import.meta.url === `file://${process.argv[1]}`) await standalone(runCrud);
