/**
 * Turns StructureDefinition snapshots into ElementRule lists for build-rules.ts: one list per
 * complex type or resource and one per inline BackboneElement (named by its path, e.g.
 * `Patient.contact`), with contentReference (`#Questionnaire.item`) resolved to that path.
 */
import type { ElementRule, PrimitiveRule } from '../src/fhir/validation/rules-types.js';
import { LINEAR_REWRITES, xsdToJsRegex } from '../src/fhir/validation/xsd-regex.js';

interface RawExtension {
  url: string;
  valueUrl?: string;
  valueString?: string;
}

interface RawType {
  code: string;
  profile?: string[];
  extension?: RawExtension[];
}

export interface RawElement {
  path: string;
  min?: number;
  max?: string;
  type?: RawType[];
  contentReference?: string;
  binding?: { strength: string; valueSet?: string };
  minValueInteger?: number;
  maxValueInteger?: number;
  maxLength?: number;
}

export interface RawStructureDefinition {
  url: string;
  id: string;
  type: string;
  kind: string;
  derivation?: string;
  abstract?: boolean;
  baseDefinition?: string;
  snapshot?: { element: RawElement[] };
}

const SYSTEM_TYPE_PREFIX = 'http://hl7.org/fhirpath/System.';
const FHIR_TYPE_EXT = 'http://hl7.org/fhir/StructureDefinition/structuredefinition-fhir-type';
const REGEX_EXT = 'http://hl7.org/fhir/StructureDefinition/regex';
const SD_PREFIX = 'http://hl7.org/fhir/StructureDefinition/';

/** The rules of one owner, and the type its leading elements may be inherited from. */
export interface OwnerRules {
  base: string | undefined;
  rules: ElementRule[];
}

/** Binding callback: returns the value-set key to enforce, or undefined. */
export type BindingResolver = (valueSet: string) => string | undefined;

function typeName(t: RawType, path: string, hasChildren: boolean, constrained: ReadonlySet<string>): string {
  // Primitive `value`/`id`/`url` elements carry a FHIRPath system type plus the FHIR type in an
  // extension; the FHIR type is what the JSON has to satisfy.
  if (t.code.startsWith(SYSTEM_TYPE_PREFIX)) {
    return t.extension?.find((e) => e.url === FHIR_TYPE_EXT)?.valueUrl ?? 'string';
  }
  if ((t.code === 'BackboneElement' || t.code === 'Element') && hasChildren) return path;
  // A core profile on the type (Quantity -> SimpleQuantity) narrows the structure.
  for (const p of t.profile ?? []) {
    const name = p.startsWith(SD_PREFIX) ? p.slice(SD_PREFIX.length) : '';
    if (constrained.has(name)) return name;
  }
  return t.code;
}

/**
 * Element rules of one definition, keyed by owner (type name or backbone path). `rootName`
 * replaces the snapshot's root path, so constrained types such as SimpleQuantity (whose paths
 * start with `Quantity.`) get their own entry.
 */
export function elementRules(
  sd: RawStructureDefinition,
  rootName: string,
  constrained: ReadonlySet<string>,
  binding: BindingResolver,
): Map<string, OwnerRules> {
  const elements = sd.snapshot?.element ?? [];
  const root = elements[0]?.path ?? sd.type;
  const rename = (path: string) => rootName + path.slice(root.length);
  const paths = new Set(elements.map((e) => e.path));
  const hasChildren = (path: string) => elements.some((e) => e.path.startsWith(`${path}.`));
  const sdBase = sd.baseDefinition?.startsWith(SD_PREFIX) ? sd.baseDefinition.slice(SD_PREFIX.length) : undefined;
  const out = new Map<string, OwnerRules>([[rootName, { base: sdBase, rules: [] }]]);
  const removed: string[] = [];

  for (const e of elements.slice(1)) {
    if (removed.some((r) => e.path.startsWith(`${r}.`))) continue;
    if (e.max === '0') {
      removed.push(e.path);
      continue;
    }
    const dot = e.path.lastIndexOf('.');
    const owner = rename(e.path.slice(0, dot));
    const name = e.path.slice(dot + 1);
    let types: string[];
    if (e.contentReference) {
      const target = e.contentReference.replace(/^.*#/, '');
      if (!paths.has(target)) throw new Error(`${e.path}: unresolved contentReference ${e.contentReference}`);
      types = [rename(target)];
    } else {
      const children = hasChildren(e.path);
      types = (e.type ?? []).map((t) => typeName(t, rename(e.path), children, constrained));
    }
    if (types.length === 0) throw new Error(`${e.path}: no type`);
    const max = e.max === '*' ? -1 : Number(e.max ?? '1');
    const rule: ElementRule = [name, name.endsWith('[x]') ? types : types[0]!, e.min ?? 0, max];
    const vs = e.binding?.strength === 'required' && e.binding.valueSet ? binding(e.binding.valueSet) : undefined;
    if (vs && types.some((t) => t === 'code' || t === 'Coding' || t === 'CodeableConcept')) rule.push(vs);
    let entry = out.get(owner);
    if (!entry) out.set(owner, (entry = { base: undefined, rules: [] }));
    entry.rules.push(rule);
    // Inline backbones own an entry even before their children are seen; their base is the
    // declared type (BackboneElement, or Element inside datatypes such as Timing.repeat).
    if (!e.contentReference && types[0] === rename(e.path) && !out.has(types[0])) {
      out.set(types[0], { base: e.type?.[0]?.code, rules: [] });
    }
  }
  return out;
}

/**
 * A primitive's JSON kind, regex and bounds. `ancestors` is the chain of base primitives
 * (positiveInt -> integer), so inherited bounds and the JSON number kind carry over.
 */
export function primitiveRule(sd: RawStructureDefinition, ancestors: readonly RawStructureDefinition[]): PrimitiveRule {
  const chain = [sd, ...ancestors].map((d) => d.type);
  const json = chain.includes('boolean') ? 'b' : chain.includes('integer') || chain.includes('decimal') ? 'n' : 's';
  const rule: PrimitiveRule = { json };
  const valueOf = (d: RawStructureDefinition) => d.snapshot?.element.find((e) => e.path === `${d.type}.value`);
  const value = valueOf(sd);
  const official = value?.type?.[0]?.extension?.find((x) => x.url === REGEX_EXT)?.valueString;
  if (official !== undefined) {
    const rewrite = LINEAR_REWRITES[sd.type];
    if (rewrite && rewrite.official !== official) {
      throw new Error(`${sd.type}: official regex changed; review LINEAR_REWRITES`);
    }
    rule.re = xsdToJsRegex(rewrite ? rewrite.linear : official);
  }
  for (const d of [sd, ...ancestors]) {
    const v = valueOf(d);
    if (rule.min === undefined && v?.minValueInteger !== undefined) rule.min = v.minValueInteger;
    if (rule.max === undefined && v?.maxValueInteger !== undefined) rule.max = v.maxValueInteger;
  }
  if (value?.maxLength !== undefined) rule.maxLength = value.maxLength;
  if (sd.snapshot?.element.some((e) => e.path === `${sd.type}.extension` && e.max === '0')) rule.noExt = true;
  return rule;
}
