/**
 * Throughput check for validateResource on the Synthea transaction bundles (every
 * entry[].resource, validated one by one as the write path would). Prints resources/s and any
 * issue found; exits non-zero if a resource is rejected.
 *
 * Run: npm run bench:validate   (the bundles of test/fixtures/synthea.ts; SYNTHEA_DIR for more)
 */
import { syntheaResources } from '../test/fixtures/synthea.js';
import { validateResource } from '../src/fhir/validation/validate.js';

interface BenchResult {
  resources: number;
  rejected: number;
  seconds: number;
  perSecond: number;
}

/** Validates every resource `rounds` times after one warm-up pass. */
function benchValidate(resources: readonly unknown[], rounds = 3): BenchResult {
  let rejected = 0;
  for (const r of resources) if (validateResource(r).length > 0) rejected++;
  const start = process.hrtime.bigint();
  for (let n = 0; n < rounds; n++) for (const r of resources) validateResource(r);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return { resources: resources.length, rejected, seconds, perSecond: Math.round((resources.length * rounds) / seconds) };
}

const resources = syntheaResources();
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
