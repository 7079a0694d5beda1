/**
 * Issue 15 (3): bulk import into one tenant, validation and indexing on, resources/s and CPU per
 * resource (this process, which is the importer, and PostgreSQL's backends), beside the Synthea
 * transaction ingest over HTTP (bench/ingest.ts) in the same run for the ratio; then the same
 * import on PGlite (in a worker thread of this process: its CPU is counted with the importer's).
 *
 * Input: the Synthea bundles (SYNTHEA_DIR), their references resolved as a transaction would,
 * written as NDJSON BENCH_IMPORT_REPEAT times (default 10: 71,140 resources on the 22-patient
 * sample), each copy with every UUID changed, so each copy is new resources. The Organizations and
 * Practitioners several bundles share are written once per copy (an NDJSON export holds each
 * resource once). Run: npm run bench:import
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTenant as createTenantSql } from '../src/admin/tenants.js';
import { fileInput } from '../src/bulk/import-source.js';
import { bundleItems } from '../src/bulk/import-source.js';
import { importInput, importScope, type ImportTarget } from '../src/bulk/import-run.js';
import { loadConfig } from '../src/config.js';
import type { Database } from '../src/db/database.js';
import { withAdmin } from '../src/db/doors.js';
import { openPgliteWorker } from '../src/db/pglite-threaded.js';
import { openPostgres } from '../src/db/postgres.js';
import { BenchContext, standalone } from './lib/context.js';
import { createTenant } from './lib/fhir-client.js';
import { ingestRates } from './ingest.js';
import { clusterCpuMs, processCpuMs } from './lib/proc-cpu.js';
import { recordTargets, writeResult } from './lib/results.js';
import { median } from './lib/stats.js';
import { BENCH_CONTEXT_KEY } from './lib/stack.js';
import { readBundle, resourceTotal, syntheaBundles, syntheaFiles } from '../test/fixtures/synthea.js';

const REPEAT = Number(process.env.BENCH_IMPORT_REPEAT ?? 10);
const BATCH = Number(process.env.BENCH_IMPORT_BATCH ?? 1000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
/** Copies imported on PGlite (one session, in this process): fewer, as its rate is steady sooner. */
const PGLITE_COPIES = Number(process.env.BENCH_IMPORT_PGLITE_REPEAT ?? REPEAT);
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;

/** The NDJSON files of the copies; returns their paths and the resource count. */
function writeInput(dir: string): { files: string[]; resources: number } {
  const lines: string[] = [];
  const seen = new Set<string>();
  for (const file of syntheaFiles()) {
    for (const item of bundleItems(readBundle(file) as never)) {
      if (!('resource' in item)) continue;
      const r = item.resource as { resourceType: string; id: string };
      if (seen.has(`${r.resourceType}/${r.id}`)) continue;
      seen.add(`${r.resourceType}/${r.id}`);
      lines.push(JSON.stringify(r));
    }
  }
  const text = lines.join('\n');
  const files: string[] = [];
  for (let c = 0; c < REPEAT; c++) {
    const prefix = c.toString(16).padStart(3, '0');
    const path = join(dir, `copy-${c}.ndjson`);
    writeFileSync(path, text.replace(UUID, (u) => prefix + u.slice(3)));
    files.push(path);
  }
  return { files, resources: lines.length * REPEAT };
}

interface Measured {
  resourcesPerSecond: number;
  seconds: number;
  failed: number;
  /** CPU µs per resource: this process (importer; with PGlite, its worker too) and PostgreSQL's processes. */
  importerUsPerResource: number;
  postgresUsPerResource?: number;
}

async function importAll(db: Database, tenant: string, files: string[], resources: number, pgDir?: string): Promise<Measured> {
  const config = { ...loadConfig({}), dbPoolMax: 2 };
  const target: ImportTarget = { db, tenant, config };
  const scope = await importScope(target);
  const pg0 = pgDir ? clusterCpuMs(pgDir) : 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let written = 0;
  let failed = 0;
  for (const file of files) {
    const s = await importInput(target, scope, fileInput(file), { batchSize: BATCH });
    written += s.written;
    failed += s.failed;
  }
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  if (written + failed !== resources) throw new Error(`imported ${written} + ${failed} failed of ${resources}`);
  return {
    resourcesPerSecond: Math.round(written / seconds),
    seconds: Math.round(seconds * 10) / 10,
    failed,
    importerUsPerResource: Math.round((cpu.user + cpu.system) / written),
    ...(pgDir ? { postgresUsPerResource: Math.round(((clusterCpuMs(pgDir) - pg0) * 1000) / written) } : {}),
  };
}

export async function runImport(ctx: BenchContext) {
  const dir = mkdtempSync(join(tmpdir(), 'fhir-bench-import-'));
  try {
    const { files, resources } = writeInput(dir);
    const { base, db: fhirDb } = await ctx.loaded();
    const cluster = await ctx.cluster();
    const pg = openPostgres(fhirDb.apiUrl, { max: 2, contextKey: BENCH_CONTEXT_KEY });
    const imports: Measured[] = [];
    const ingest: number[] = [];
    /** CPU of the transaction ingest per resource: the server process and PostgreSQL. */
    const ingestCpu: { serverUsPerResource: number; postgresUsPerResource: number }[] = [];
    const server = await ctx.server();
    const syntheaTotal = resourceTotal(syntheaBundles());
    try {
      // Alternating rounds: the import into a fresh tenant, then the transaction ingest of one copy.
      for (let r = 0; r < ROUNDS; r++) {
        const tenant = `import-${r}`;
        await createTenant(base, tenant);
        imports.push(await importAll(pg, tenant, files, resources, cluster.dir));
        console.log(`PostgreSQL import round ${r + 1}:`, imports.at(-1));
        const server0 = processCpuMs(server.pid);
        const pg0 = clusterCpuMs(cluster.dir);
        ingest.push(...(await ingestRates(base, `import-ingest-${r}`, 1, 1)));
        ingestCpu.push({ serverUsPerResource: Math.round(((processCpuMs(server.pid) - server0) * 1000) / syntheaTotal), postgresUsPerResource: Math.round(((clusterCpuMs(cluster.dir) - pg0) * 1000) / syntheaTotal) });
        console.log(`transaction ingest round ${r + 1}: ${Math.round(ingest.at(-1) ?? 0)} resources/s`, ingestCpu.at(-1));
      }
    } finally {
      await pg.close();
    }
    const embedded = await openPgliteWorker(undefined, { contextKey: BENCH_CONTEXT_KEY, startTimeoutMs: 600_000 });
    let pglite: Measured;
    try {
      await embedded.migrate();
      await withAdmin(embedded, (tx) => createTenantSql(tx, 'import', 'import', {}));
      const copies = files.slice(0, Math.max(1, PGLITE_COPIES));
      pglite = await importAll(embedded, 'import', copies, (resources / files.length) * copies.length);
      console.log('PGlite import:', pglite);
    } finally {
      await embedded.close();
    }
    const best = imports.reduce((a, b) => (b.resourcesPerSecond > a.resourcesPerSecond ? b : a));
    const ingestMedian = Math.round(median(ingest));
    const result = {
      resources, batch: BATCH, copies: REPEAT,
      postgres: { ...best, runs: imports.map((m) => m.resourcesPerSecond), ingestResourcesPerSecond: ingestMedian, ingestCpu: ingestCpu.at(-1), ratioToIngest: Math.round((best.resourcesPerSecond / ingestMedian) * 100) / 100 },
      pglite: { ...pglite, resources: (resources / files.length) * Math.max(1, Math.min(PGLITE_COPIES, files.length)) },
    };
    console.table([
      { backend: 'PostgreSQL 15', 'import res/s': best.resourcesPerSecond, runs: imports.map((m) => m.resourcesPerSecond).join(', '), 'importer µs/res': best.importerUsPerResource, 'PostgreSQL µs/res': best.postgresUsPerResource, 'transaction ingest res/s': ingestMedian, ratio: result.postgres.ratioToIngest },
      { backend: 'PostgreSQL 15, transaction ingest (server process)', 'import res/s': '', runs: '', 'importer µs/res': ingestCpu.at(-1)?.serverUsPerResource, 'PostgreSQL µs/res': ingestCpu.at(-1)?.postgresUsPerResource, 'transaction ingest res/s': ingestMedian, ratio: '' },
      { backend: 'PGlite', 'import res/s': pglite.resourcesPerSecond, runs: String(pglite.resourcesPerSecond), 'importer µs/res': pglite.importerUsPerResource, 'PostgreSQL µs/res': '(in the importer)', 'transaction ingest res/s': '', ratio: '' },
    ]);
    writeResult('import', result);
    return recordTargets([
      { id: 'import-ndjson', benchmark: 'import', description: 'Bulk NDJSON import, one tenant, validation and indexing on (PostgreSQL)', op: '>=', threshold: 10000, measured: best.resourcesPerSecond, unit: 'resources/s' },
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await standalone(runImport);
