/**
 * Issue 7 (5): three typical Synthea searches on tenant `bench` (the Synthea patients), each with one
 * instance per patient chosen at random, 10 keep-alive connections (own process, per-request timing): req/s, p50, p99.
 * Run: npm run bench:search
 */
import { BenchContext, DATA_TENANT, standalone } from './lib/context.js';
import { runHttpLoad, runLatencyLoad, type LoadResult } from './lib/loads.js';
import { assertMatches, QUERY_NAMES, searchQueries, type SearchQueries } from './lib/queries.js';
import { writeResult } from './lib/results.js';
import { median, round } from './lib/stats.js';

const CONNECTIONS = Number(process.env.BENCH_SEARCH_CONNECTIONS ?? 10);
const SECONDS = Number(process.env.BENCH_SEARCH_SECONDS ?? 6);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3) > 1 ? 2 : 1;

export async function runSearch(ctx: BenchContext) {
  const { base, db } = await ctx.loaded();
  const queries = await searchQueries(db.superUrl, DATA_TENANT);
  const names = Object.keys(queries) as (keyof SearchQueries)[];
  for (const name of names) await assertMatches(base, queries[name]);
  const runs: Record<string, LoadResult[]> = {};
  await runHttpLoad({ base, paths: names.flatMap((n) => queries[n]), connections: CONNECTIONS, duration: 2 }); // warm-up
  for (let r = 0; r < ROUNDS; r++) {
    for (const name of names) (runs[name] ??= []).push(await runLatencyLoad({ base, paths: queries[name], connections: CONNECTIONS, duration: SECONDS }));
  }
  const table = names.map((name) => ({
    query: QUERY_NAMES[name],
    'req/s': Math.round(median(runs[name]!.map((x) => x.rps))),
    'p50 ms': round(median(runs[name]!.map((x) => x.p50)), 2),
    'p99 ms': round(median(runs[name]!.map((x) => x.p99)), 2),
  }));
  console.table(table);
  writeResult('search', {
    setup: { tenant: DATA_TENANT, instancesPerQuery: queries.obsByPatientCodeDate.length, connections: CONNECTIONS, seconds: SECONDS, rounds: ROUNDS },
    queries: table,
    examples: Object.fromEntries(names.map((n) => [n, queries[n][0]])),
    runs,
  });
  return table;
}

if (import.meta.url === `file://${process.argv[1]}`) await standalone(runSearch);
