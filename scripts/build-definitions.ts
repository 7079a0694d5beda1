/**
 * Generates the committed search definitions from the official R4 package
 * (hl7.fhir.r4.examples):
 *   - search-parameters.json   compact SearchParameter records
 *   - resource-types.json      sorted concrete resource type names (in src/core)
 *   - patient-compartment.json resource type -> Patient compartment param codes
 *
 * Run: npm run generate:definitions (or npm run generate, for every generator)
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ANY_TARGET_EXCLUDED } from '../src/fhir/search/types.js';
import type { CompositeComponentDef, SearchParamRecord, SearchParamType } from '../src/fhir/search/types.js';
import { inRepo, isMain, writeGenerated, type GeneratedFile } from './lib/generated.js';
import { r4PackageDir, readPackageFiles } from './lib/r4-package.js';

interface RawSearchParameter {
  url: string;
  code: string;
  base?: string[];
  type: SearchParamType;
  expression?: string;
  experimental?: boolean;
  target?: string[];
  component?: { definition: string; expression: string }[];
  multipleOr?: boolean;
  multipleAnd?: boolean;
  comparator?: string[];
  modifier?: string[];
  description?: string;
}

interface RawStructureDefinition {
  type: string;
  kind?: string;
  derivation?: string;
  abstract?: boolean;
}

interface RawCompartmentDefinition {
  resource: { code: string; param?: string[] }[];
}

const OUT_DIR = 'src/fhir/search';
const MAX_DESCRIPTION = 160;

/**
 * Descriptions are documentation only; keep the first sentence. Multi-base
 * definitions start with "Multiple Resources:"; those get a generic line
 * here and per-base text from `baseDescriptions`.
 */
export function shortDescription(text: string | undefined, code: string): string {
  const flat = (text ?? '').replace(/\s+/g, ' ').trim();
  if (flat === '' || flat.startsWith('Multiple Resources')) return `Search by ${code}`;
  const sentence = /^(.+?[.!?])(\s|$)/.exec(flat)?.[1] ?? flat;
  return sentence.length > MAX_DESCRIPTION ? `${sentence.slice(0, MAX_DESCRIPTION - 1)}…` : sentence;
}

/** The `* [Type](type.html): text` bullets of a "Multiple Resources" description. */
export function baseDescriptions(text: string | undefined, code: string): Record<string, string> | undefined {
  if (!text?.startsWith('Multiple Resources')) return undefined;
  const out: Record<string, string> = {};
  for (const m of text.matchAll(/\* \[(\w+)\]\([^)]*\): ([^\r\n]*)/g)) {
    if (m[1] !== undefined) out[m[1]] = shortDescription(m[2], code);
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/**
 * R4 spells Reference(Any) as every resource type but Parameters (80
 * definitions, a third of the file); store it as 'Any' and let the registry
 * expand it.
 */
function compactTarget(target: readonly string[], anyTarget: ReadonlySet<string>): readonly string[] | 'Any' {
  const sorted = [...target].sort();
  return sorted.length === anyTarget.size && sorted.every((t) => anyTarget.has(t)) ? 'Any' : sorted;
}

function toRecord(
  sp: RawSearchParameter,
  byUrl: ReadonlyMap<string, RawSearchParameter>,
  anyTarget: ReadonlySet<string>,
): SearchParamRecord {
  const component: CompositeComponentDef[] | undefined = sp.component?.map((c) => {
    const target = byUrl.get(c.definition);
    if (!target) throw new Error(`${sp.url}: unknown component definition ${c.definition}`);
    return { definition: c.definition, code: target.code, type: target.type, expression: c.expression };
  });
  const descriptions = baseDescriptions(sp.description, sp.code);
  // Optional keys are omitted rather than null to keep the file small.
  return {
    url: sp.url,
    code: sp.code,
    base: sp.base ?? [],
    type: sp.type,
    expression: sp.expression ?? null,
    ...(sp.target ? { target: compactTarget(sp.target, anyTarget) } : {}),
    ...(component ? { component } : {}),
    ...(sp.multipleOr !== undefined ? { multipleOr: sp.multipleOr } : {}),
    ...(sp.multipleAnd !== undefined ? { multipleAnd: sp.multipleAnd } : {}),
    ...(sp.comparator ? { comparator: sp.comparator } : {}),
    ...(sp.modifier ? { modifier: sp.modifier } : {}),
    description: shortDescription(sp.description, sp.code),
    ...(descriptions ? { descriptions } : {}),
  };
}

/**
 * Experimental definitions are excluded: in R4 they are the spec's own
 * examples (which redefine `_id` and Condition `subject`) and draft extension
 * parameters whose expressions return Extension elements rather than values.
 */
export function buildSearchParameters(dir: string): SearchParamRecord[] {
  const anyTarget = new Set(buildResourceTypes(dir).filter((t) => t !== ANY_TARGET_EXCLUDED));
  const all = readPackageFiles<RawSearchParameter>(dir, 'SearchParameter-');
  const byUrl = new Map(all.map((sp) => [sp.url, sp] as const));
  return all
    .filter((sp) => sp.experimental !== true && (sp.base?.length ?? 0) > 0)
    .map((sp) => toRecord(sp, byUrl, anyTarget))
    .sort((a, b) => (a.url < b.url ? -1 : a.url > b.url ? 1 : 0));
}

export function buildResourceTypes(dir: string): string[] {
  return readPackageFiles<RawStructureDefinition>(dir, 'StructureDefinition-')
    .filter((sd) => sd.kind === 'resource' && sd.derivation === 'specialization' && sd.abstract !== true)
    .map((sd) => sd.type)
    .sort();
}

export function buildPatientCompartment(dir: string): Record<string, string[]> {
  const def = JSON.parse(readFileSync(join(dir, 'CompartmentDefinition-patient.json'), 'utf8')) as RawCompartmentDefinition;
  const out: Record<string, string[]> = {};
  for (const r of [...def.resource].sort((a, b) => (a.code < b.code ? -1 : 1))) {
    if (r.param && r.param.length > 0) out[r.code] = r.param;
  }
  return out;
}

/** One record per line: small file, readable diffs. */
const jsonLines = (items: readonly unknown[]): string => `[\n${items.map((i) => JSON.stringify(i)).join(',\n')}\n]\n`;

/** The three files, as committed. */
export function generateDefinitions(dir = r4PackageDir()): GeneratedFile[] {
  return [
    { path: inRepo(`${OUT_DIR}/search-parameters.json`), text: jsonLines(buildSearchParameters(dir)) },
    { path: inRepo('src/core/resource-types.json'), text: `${JSON.stringify(buildResourceTypes(dir))}\n` },
    { path: inRepo(`${OUT_DIR}/patient-compartment.json`), text: `${JSON.stringify(buildPatientCompartment(dir), null, 1)}\n` },
  ];
}

if (isMain(import.meta.url)) writeGenerated(generateDefinitions());
