/**
 * The official R4 example resources (every resource JSON in hl7.fhir.r4.examples) and what the
 * validator says about them. Shared by the test and by update-r4-rejections.ts, which rewrites
 * the reviewed fixture.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { isResourceType, validateResource } from '../../../src/fhir/validation/validate.js';

export const FIXTURE = new URL('./r4-example-rejections.json', import.meta.url);

export function examplesDir(): string {
  const require = createRequire(import.meta.url);
  return dirname(require.resolve('hl7.fhir.r4.examples/package.json'));
}

export interface ExampleOutcome {
  total: number;
  /** file -> "expression: diagnostics" of the first issue */
  rejected: Record<string, string>;
}

export function validateExamples(dir = examplesDir()): ExampleOutcome {
  let total = 0;
  const rejected: Record<string, string> = {};
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
    const json: unknown = JSON.parse(readFileSync(join(dir, file), 'utf8'));
    const rt = typeof json === 'object' && json !== null && 'resourceType' in json ? json.resourceType : undefined;
    if (typeof rt !== 'string' || !isResourceType(rt)) continue;
    total++;
    const first = validateResource(json)[0];
    if (first) rejected[file] = `${first.expression?.[0] ?? ''}: ${first.diagnostics ?? first.code}`;
  }
  return { total, rejected };
}
