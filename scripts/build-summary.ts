/**
 * Generates summary-elements.json: for every R4 resource type, the top-level elements marked
 * isSummary (for `_summary=true`) and those with min > 0 (kept by `_summary=text`), from the
 * official StructureDefinitions. Run: npm run generate:summary (or npm run generate)
 */
import { inRepo, isMain, writeGenerated, type GeneratedFile } from './lib/generated.js';
import { r4PackageDir, readPackageFiles } from './lib/r4-package.js';

interface ElementDefinition { path: string; isSummary?: boolean; min?: number }
interface StructureDefinition { kind?: string; derivation?: string; abstract?: boolean; type?: string; snapshot?: { element: ElementDefinition[] } }

const OUT_FILE = 'src/fhir/search/summary-elements.json';

export function generateSummary(dir = r4PackageDir()): GeneratedFile[] {
  const out: Record<string, { summary: string[]; mandatory: string[] }> = {};
  for (const sd of readPackageFiles<StructureDefinition>(dir, 'StructureDefinition-')) {
    if (sd.kind !== 'resource' || sd.derivation !== 'specialization' || sd.abstract || !sd.type) continue;
    const top = (sd.snapshot?.element ?? []).filter((e) => e.path.split('.').length === 2);
    const name = (e: ElementDefinition) => e.path.split('.')[1] ?? e.path;
    out[sd.type] = {
      summary: top.filter((e) => e.isSummary).map(name),
      mandatory: top.filter((e) => (e.min ?? 0) > 0).map(name),
    };
  }
  return [{ path: inRepo(OUT_FILE), text: `${JSON.stringify(out)}\n` }];
}

if (isMain(import.meta.url)) writeGenerated(generateSummary());
