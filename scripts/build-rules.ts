/**
 * Generates rules.json, the structural validation rules, from the official R4 package
 * (hl7.fhir.r4.examples): every primitive type, complex type and resource StructureDefinition
 * (snapshots, so inherited elements are included), the core SimpleQuantity constraint, and the
 * required-binding value sets that can be expanded exactly from the package.
 *
 * Run: npm run generate:rules (or npm run generate)
 */
import type { PrimitiveRule, RulesFile } from '../src/fhir/validation/rules-types.js';
import { elementRules, primitiveRule } from './build-elements.js';
import type { OwnerRules, RawStructureDefinition } from './build-elements.js';
import { ValueSetExpander, stripVersion } from './build-value-sets.js';
import type { RawCodeSystem, RawValueSet } from './build-value-sets.js';
import { inRepo, isMain, writeGenerated, type GeneratedFile } from './lib/generated.js';
import { r4PackageDir, readPackageFiles } from './lib/r4-package.js';

const OUT_FILE = 'src/fhir/validation/rules.json';
/** Core constraints that base definitions reference by profile and that change the structure. */
const CONSTRAINED_TYPES = new Set(['SimpleQuantity']);
/** Types the runtime handles itself: any resource by resourceType. */
const BUILTIN_TYPES = new Set(['Resource']);

/**
 * Snapshots repeat every inherited element (id, meta, extension, ...) in each of the ~660
 * types; storing them once under the base type roughly halves the file. Only an exact prefix
 * is factored out, so any inherited element a definition narrows stays explicit.
 */
function factorInherited(owners: ReadonlyMap<string, OwnerRules>): Pick<RulesFile, 'types' | 'bases'> {
  const types: RulesFile['types'] = {};
  const bases: RulesFile['bases'] = {};
  for (const [owner, { base, rules }] of owners) {
    const inherited = base === undefined ? undefined : owners.get(base)?.rules;
    const isPrefix =
      inherited !== undefined &&
      inherited.length <= rules.length &&
      inherited.every((r, i) => JSON.stringify(r) === JSON.stringify(rules[i]));
    if (isPrefix && base !== undefined) {
      bases[owner] = base;
      types[owner] = rules.slice(inherited.length);
    } else {
      types[owner] = rules;
    }
  }
  return { types, bases };
}

function primitives(sds: readonly RawStructureDefinition[]): Record<string, PrimitiveRule> {
  const byUrl = new Map(sds.map((sd) => [sd.url, sd]));
  const out: Record<string, PrimitiveRule> = {};
  for (const sd of sds.filter((d) => d.kind === 'primitive-type').sort((a, b) => a.type.localeCompare(b.type))) {
    const ancestors: RawStructureDefinition[] = [];
    for (let base = byUrl.get(sd.baseDefinition ?? ''); base?.kind === 'primitive-type'; ) {
      ancestors.push(base);
      base = byUrl.get(base.baseDefinition ?? '');
    }
    out[sd.type] = primitiveRule(sd, ancestors);
  }
  return out;
}

export function buildRules(dir = r4PackageDir()): RulesFile {
  const sds = readPackageFiles<RawStructureDefinition>(dir, 'StructureDefinition-');
  const expander = new ValueSetExpander(
    new Map(readPackageFiles<RawValueSet>(dir, 'ValueSet-').map((v) => [v.url, v])),
    new Map(readPackageFiles<RawCodeSystem>(dir, 'CodeSystem-').map((c) => [c.url, c])),
  );
  const valueSets: RulesFile['valueSets'] = {};
  const bind = (canonical: string): string | undefined => {
    const url = stripVersion(canonical);
    if (Object.hasOwn(valueSets, url)) return url;
    const expansion = expander.expand(url);
    if (!expansion) return undefined;
    valueSets[url] = Object.fromEntries([...expansion].map(([system, codes]) => [system, [...codes]]));
    return url;
  };

  const structural = sds.filter(
    (sd) =>
      (sd.kind === 'resource' || sd.kind === 'complex-type') &&
      (sd.derivation === 'specialization' || sd.derivation === undefined || CONSTRAINED_TYPES.has(sd.id)),
  );
  const owners = new Map<string, OwnerRules>();
  const aliases: RulesFile['aliases'] = {};
  for (const sd of structural.sort((a, b) => a.id.localeCompare(b.id))) {
    const rootName = sd.derivation === 'constraint' ? sd.id : sd.type;
    if (rootName !== sd.type) aliases[rootName] = sd.type;
    for (const [owner, entry] of elementRules(sd, rootName, CONSTRAINED_TYPES, bind)) owners.set(owner, entry);
  }
  const { types, bases } = factorInherited(owners);

  const prims = primitives(sds);
  const missing = new Set<string>();
  for (const { rules: list } of owners.values()) {
    for (const [, t] of list) {
      for (const name of Array.isArray(t) ? t : [t]) {
        if (!Object.hasOwn(types, name) && !Object.hasOwn(prims, name) && !BUILTIN_TYPES.has(name)) missing.add(name);
      }
    }
  }
  if (missing.size > 0) throw new Error(`unresolved types: ${[...missing].join(', ')}`);

  const resources = structural
    .filter((sd) => sd.kind === 'resource' && !sd.abstract && sd.derivation === 'specialization')
    .map((sd) => sd.type)
    .sort();
  const sortedValueSets = Object.fromEntries(Object.entries(valueSets).sort(([a], [b]) => a.localeCompare(b)));
  return { source: 'hl7.fhir.r4.examples@4.0.1', primitives: prims, resources, types, bases, aliases, valueSets: sortedValueSets };
}

/** One line per element keeps the file diffable while staying compact. */
export function serializeRules(rules: RulesFile): string {
  const lines = (entries: [string, unknown][], indent: string) =>
    entries.map(([k, v]) => `${indent}${JSON.stringify(k)}: ${JSON.stringify(v)}`).join(',\n');
  const types = Object.entries(rules.types)
    .map(([k, list]) => `    ${JSON.stringify(k)}: [\n${list.map((e) => `      ${JSON.stringify(e)}`).join(',\n')}\n    ]`)
    .join(',\n');
  return [
    '{',
    `  "source": ${JSON.stringify(rules.source)},`,
    `  "primitives": {\n${lines(Object.entries(rules.primitives), '    ')}\n  },`,
    `  "resources": ${JSON.stringify(rules.resources)},`,
    `  "types": {\n${types}\n  },`,
    `  "bases": ${JSON.stringify(rules.bases)},`,
    `  "aliases": ${JSON.stringify(rules.aliases)},`,
    `  "valueSets": {\n${lines(Object.entries(rules.valueSets), '    ')}\n  }`,
    '}',
    '',
  ].join('\n');
}

export function generateRules(dir = r4PackageDir()): GeneratedFile[] {
  return [{ path: inRepo(OUT_FILE), text: serializeRules(buildRules(dir)) }];
}

if (isMain(import.meta.url)) writeGenerated(generateRules());
