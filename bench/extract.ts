/**
 * Measures index extraction throughput on one core.
 *
 *   npm run bench:extract [-- bundle.json …]
 *
 * Defaults to the Synthea bundles of test/fixtures/synthea.ts (SYNTHEA_DIR for more).
 * Not a test: the figure depends on the machine.
 */
import { readBundle, syntheaFiles } from '../test/fixtures/synthea.js';
import { extractIndexRows } from '../src/fhir/indexing/extract.js';
import type { IndexRows } from '../src/fhir/indexing/index-rows.js';
import { plansFor } from '../src/fhir/indexing/param-plans.js';
import { resourceTypes } from '../src/core/resource-types.js';
import type { EngineMode, Resource } from '../src/fhir/indexing/param-plans.js';

function countRows(rows: IndexRows): number {
  return Object.values(rows).reduce((n: number, list: unknown[]) => n + list.length, 0);
}

function measure(resources: readonly Resource[], engine: EngineMode, minMs: number): { perSec: number; rows: number } {
  // Compile outside the timing: plans are built once per type for the process lifetime.
  for (const r of resources) plansFor(r.resourceType, engine);
  let rows = 0;
  for (const r of resources) rows += countRows(extractIndexRows(r, { engine })); // warm-up
  let done = 0;
  const start = performance.now();
  while (performance.now() - start < minMs) {
    for (const r of resources) extractIndexRows(r, { engine });
    done += resources.length;
  }
  return { perSec: (done / (performance.now() - start)) * 1000, rows };
}

/** How many (resource type, parameter) pairs use each engine, over all R4 types. */
function engineCounts(): { fast: number; fhirpath: number; skipped: number; fhirpathParams: string[] } {
  let fast = 0;
  let fhirpath = 0;
  let skipped = 0;
  const fhirpathParams: string[] = [];
  for (const type of resourceTypes()) {
    const p = plansFor(type);
    skipped += p.skipped.length;
    for (const plan of p.plans) {
      if (plan.engine === 'fast') fast++;
      else {
        fhirpath++;
        fhirpathParams.push(`${type}.${plan.def.code}`);
      }
    }
  }
  return { fast, fhirpath, skipped, fhirpathParams };
}

function main(): void {
  const counts = engineCounts();
  console.log(
    `parameters (type × code): ${counts.fast} fast, ${counts.fhirpath} fhirpath.js (${counts.fhirpathParams.join(', ')}), ` +
      `${counts.skipped} without rows`,
  );
  const args = process.argv.slice(2);
  const files = args.length > 0 ? args : syntheaFiles();
  const resources: Resource[] = files.flatMap((f) => readBundle(f).entry.map((e) => e.resource));
  console.log(`${resources.length} resources from ${files.length} bundles`);
  const fast = measure(resources, 'auto', 3000);
  console.log(`auto (fast accessors + fhirpath.js fallback): ${Math.round(fast.perSec)} resources/s, ${fast.rows} rows`);
  const slow = measure(resources, 'fhirpath', 3000);
  console.log(`fhirpath.js only:                             ${Math.round(slow.perSec)} resources/s, ${slow.rows} rows`);
}

main();
