/**
 * npm run bench: every benchmark of issues 7 and 15 in one run, on one throwaway PostgreSQL 15 cluster
 * (and an embedded PGlite), so the ratios compare measurements taken side by side. Prints each
 * table, then issue 15's targets table (measure | now | target | met?); writes bench/results/*.json and bench/results/summary.json.
 */
import { rmSync } from 'node:fs';
import { runCrud } from './crud.js';
import { runEmbedded } from './embedded.js';
import { runImport } from './import.js';
import { runIngest } from './ingest.js';
import { runNeighbour } from './neighbour.js';
import { BenchContext } from './lib/context.js';
import { printIssueTable, readSummary } from './lib/results.js';
import { runNoisy } from './noisy.js';
import { runPeer } from './peer.js';
import { runContextCpu } from './context-cpu.js';
import { runProfile } from './profile.js';
import { runRead } from './read.js';
import { runSearch } from './search.js';
import { runSearch100k } from './search-100k.js';

const steps: [string, (ctx: BenchContext) => Promise<unknown>][] = [
  ['read', runRead],
  ['search', runSearch],
  ['crud', runCrud],
  ['peer', runPeer],
  ['context', runContextCpu],
  ['ingest', runIngest],
  ['import', runImport],
  ['profile', runProfile],
  ['noisy', runNoisy],
  ['embedded', runEmbedded],
  // Last: it grows the shared database by 100,000 resources, which the others should not run next to.
  ['search-100k', runSearch100k],
];
/** Run only when BENCH_ONLY names them: neighbour takes 6-9 minutes here, twice what it may add to every run. */
const optIn: typeof steps = [['neighbour', runNeighbour]];
const only = process.env.BENCH_ONLY?.split(',');

// A full run starts the summary afresh; BENCH_ONLY updates the rows of the benchmarks it runs.
if (!only) rmSync(new URL('./results/summary.json', import.meta.url), { force: true });
const ctx = new BenchContext();
const onSignal = () => void ctx.close().finally(() => process.exit(130));
process.once('SIGINT', onSignal);
process.once('SIGTERM', onSignal);
const started = performance.now();
try {
  for (const [name, run] of [...steps, ...optIn]) {
    if (only ? !only.includes(name) : optIn.some(([n]) => n === name)) continue;
    console.log(`\n===== ${name} (${Math.round((performance.now() - started) / 1000)} s in)`);
    await run(ctx);
  }
} finally {
  await ctx.close();
}
console.log(`\n===== targets (${Math.round((performance.now() - started) / 1000)} s in all)`);
printIssueTable(readSummary());
