/**
 * Throughput check for validateResource on the Synthea transaction bundles (every
 * entry[].resource, validated one by one as the write path would). Prints resources/s and any
 * issue found; exits non-zero if a resource is rejected.
 *
 * Run: npx tsx src/fhir/validation/bench-synthea.ts   (directory: env SYNTHEA_DIR)
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { validateResource } from './validate.js';

/** The shared Synthea sample (22 bundles), next to the repository unless SYNTHEA_DIR says otherwise. */
export function syntheaDir(): string {
  return process.env.SYNTHEA_DIR ?? fileURLToPath(new URL('../../../../shared/data/synthea', import.meta.url));
}

/** Entry resources of every bundle in the directory; [] when it does not exist. */
export function loadSyntheaResources(dir = syntheaDir()): unknown[] {
  if (!existsSync(dir)) return [];
  const out: unknown[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
    const bundle = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { entry?: { resource?: unknown }[] };
    for (const entry of bundle.entry ?? []) if (entry.resource !== undefined) out.push(entry.resource);
  }
  return out;
}

export interface BenchResult {
  resources: number;
  rejected: number;
  seconds: number;
  perSecond: number;
}

/** Validates every resource `rounds` times after one warm-up pass. */
export function benchValidate(resources: readonly unknown[], rounds = 3): BenchResult {
  let rejected = 0;
  for (const r of resources) if (validateResource(r).length > 0) rejected++;
  const start = process.hrtime.bigint();
  for (let n = 0; n < rounds; n++) for (const r of resources) validateResource(r);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return { resources: resources.length, rejected, seconds, perSecond: Math.round((resources.length * rounds) / seconds) };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const resources = loadSyntheaResources();
  if (resources.length === 0) {
    console.log(`no Synthea bundles in ${syntheaDir()}`);
  } else {
    for (const r of resources) {
      const issues = validateResource(r);
      if (issues.length > 0) console.log(JSON.stringify(issues.slice(0, 3)));
    }
    const result = benchValidate(resources);
    console.log(
      `${result.resources} resources, ${result.rejected} rejected, ` +
        `${result.perSecond.toLocaleString('en-US')} resources/s (single core, ${result.seconds.toFixed(2)} s for 3 rounds)`,
    );
    if (result.rejected > 0) process.exitCode = 1;
  }
}
