/**
 * Issue 7 (6): ingest of the Synthea transaction bundles over HTTP into fresh tenants on
 * PostgreSQL 15 (the server in its own process), resources/s. Sequential (one bundle at a time,
 * as a simple loader does: the target's figure) and with 4 concurrent clients, interleaved rounds.
 * PGlite's ingest is in bench/embedded.ts. Run: npm run bench:ingest
 */
import { BenchContext, standalone } from './lib/context.js';
import { createTenant, loadBundles } from './lib/fhir-client.js';
import { recordTargets, writeResult } from './lib/results.js';
import { median } from './lib/stats.js';
import { resourceTotal, syntheaBundles } from '../test/fixtures/synthea.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const PARALLEL = 4;

/** Loads the bundles into a fresh tenant per round; resources/s of each round. */
export async function ingestRates(base: string, prefix: string, rounds: number, concurrency: number): Promise<number[]> {
  const bundles = syntheaBundles();
  const rates: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const tenant = `${prefix}-c${concurrency}-${r}`;
    await createTenant(base, tenant);
    rates.push(resourceTotal(bundles) / (await loadBundles(base, tenant, bundles, concurrency)));
  }
  return rates;
}

export async function runIngest(ctx: BenchContext) {
  const { base } = await ctx.loaded(); // tenant `bench` loaded first: the server is warm
  const sequential: number[] = [];
  const parallel: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    sequential.push(...(await ingestRates(base, `ingest-${r}`, 1, 1)));
    parallel.push(...(await ingestRates(base, `ingest-${r}`, 1, PARALLEL)));
  }
  const result = {
    resources: resourceTotal(syntheaBundles()),
    bundles: syntheaBundles().length,
    postgres: {
      sequential: { resourcesPerSecond: Math.round(median(sequential)), runs: sequential.map(Math.round) },
      [`parallel${PARALLEL}`]: { resourcesPerSecond: Math.round(median(parallel)), runs: parallel.map(Math.round) },
    },
  };
  console.table([
    { backend: 'PostgreSQL 15', clients: 1, 'resources/s (median)': result.postgres.sequential.resourcesPerSecond, runs: sequential.map(Math.round).join(', ') },
    { backend: 'PostgreSQL 15', clients: PARALLEL, 'resources/s (median)': Math.round(median(parallel)), runs: parallel.map(Math.round).join(', ') },
  ]);
  writeResult('ingest', result);
  return recordTargets([
    { id: 'ingest-postgres', benchmark: 'ingest', description: 'Synthea ingest on PostgreSQL (1 client)', op: '>=', threshold: 3000, measured: result.postgres.sequential.resourcesPerSecond, unit: 'resources/s' },
  ]);
}

if (import.meta.url === `file://${process.argv[1]}`) await standalone(runIngest);
