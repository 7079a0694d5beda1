/**
 * Generates summary-elements.json: for every R4 resource type, the top-level elements marked
 * isSummary (for `_summary=true`) and those with min > 0 (kept by `_summary=text`), from the
 * official StructureDefinitions. Run: npx tsx src/fhir/search/build-summary.ts
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

interface ElementDefinition { path: string; isSummary?: boolean; min?: number }
interface StructureDefinition { kind?: string; derivation?: string; abstract?: boolean; type?: string; snapshot?: { element: ElementDefinition[] } }

const dir = dirname(createRequire(import.meta.url).resolve('hl7.fhir.r4.examples/package.json'));
const out: Record<string, { summary: string[]; mandatory: string[] }> = {};
for (const file of readdirSync(dir).filter((f) => f.startsWith('StructureDefinition-')).sort()) {
  const sd = JSON.parse(readFileSync(join(dir, file), 'utf8')) as StructureDefinition;
  if (sd.kind !== 'resource' || sd.derivation !== 'specialization' || sd.abstract || !sd.type) continue;
  const top = (sd.snapshot?.element ?? []).filter((e) => e.path.split('.').length === 2);
  const name = (e: ElementDefinition) => e.path.split('.')[1]!;
  out[sd.type] = {
    summary: top.filter((e) => e.isSummary).map(name),
    mandatory: top.filter((e) => (e.min ?? 0) > 0).map(name),
  };
}
writeFileSync(new URL('./summary-elements.json', import.meta.url), `${JSON.stringify(out)}\n`);
console.log(`${Object.keys(out).length} resource types`);
