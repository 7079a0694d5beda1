/**
 * Issue 7 (8): the embedded default (PGlite, no DATABASE_URL), for the README: Synthea ingest
 * (resources/s, one client, fresh tenants) and read by id over HTTP (autocannon, own process).
 * Run: npm run bench:embedded
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BenchContext, standalone } from './lib/context.js';
import { ingestRates } from './ingest.js';
import { runHttpLoad } from './lib/loads.js';
import { writeResult } from './lib/results.js';
import { startServer } from './lib/server.js';
import { median, round } from './lib/stats.js';

const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 3) - 1);
const SECONDS = Number(process.env.BENCH_HTTP_SECONDS ?? 8);
const CONNECTIONS = 10;

async function readPaths(base: string, tenant: string): Promise<string[]> {
  const paths: string[] = [];
  for (const type of ['Patient', 'Encounter', 'Observation', 'Condition']) {
    const res = await fetch(`${base}/tenants/${tenant}/fhir/${type}?_count=500&_elements=id`);
    const bundle = (await res.json()) as { entry?: { resource: { id: string } }[] };
    for (const e of bundle.entry ?? []) paths.push(`/tenants/${tenant}/fhir/${type}/${e.resource.id}`);
  }
  if (paths.length === 0) throw new Error('embedded: nothing to read');
  return paths;
}

export async function runEmbedded(ctx: BenchContext) {
  const dir = mkdtempSync(join(tmpdir(), 'fhir-bench-pglite-'));
  ctx.onClose(() => rmSync(dir, { recursive: true, force: true }));
  const server = await startServer({ dataDir: join(dir, 'data') });
  ctx.onClose(() => server.stop());
  const ingest = await ingestRates(server.base, 'lite', ROUNDS, 1);
  const paths = await readPaths(server.base, 'lite-c1-0');
  await runHttpLoad({ base: server.base, paths, connections: CONNECTIONS, duration: 2 }); // warm-up
  const reads = [];
  for (let r = 0; r < ROUNDS; r++) reads.push(await runHttpLoad({ base: server.base, paths, connections: CONNECTIONS, duration: SECONDS }));
  const result = {
    ingest: { resourcesPerSecond: Math.round(median(ingest)), runs: ingest.map(Math.round) },
    read: {
      connections: CONNECTIONS,
      rps: Math.round(median(reads.map((r) => r.rps))),
      p50: round(median(reads.map((r) => r.p50)), 2),
      p99: round(median(reads.map((r) => r.p99)), 2),
      runs: reads,
    },
  };
  console.table([
    { backend: 'PGlite', measure: 'Synthea ingest, 1 client', value: `${result.ingest.resourcesPerSecond} resources/s` },
    { backend: 'PGlite', measure: `read by id, ${CONNECTIONS} connections`, value: `${result.read.rps} req/s, p50 ${result.read.p50} ms, p99 ${result.read.p99} ms` },
  ]);
  writeResult('embedded', result);
  return result;
}

if (import.meta.url === `file://${process.argv[1]}`) await standalone(runEmbedded);
