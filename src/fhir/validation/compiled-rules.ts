/**
 * Loads rules.json once and compiles each type on first use into Maps keyed by JSON property
 * name. Every lookup driven by the incoming document goes through a Map or Set, never through
 * a plain object, so keys such as `__proto__` or `constructor` cannot reach prototype members.
 */
import { readFileSync } from 'node:fs';
import type { JsonKind, RulesFile } from './rules-types.js';

export interface CompiledPrimitive {
  readonly name: string;
  readonly json: JsonKind;
  readonly re: RegExp | undefined;
  readonly min: number | undefined;
  readonly max: number | undefined;
  readonly maxLength: number | undefined;
}

export interface CompiledValueSet {
  readonly url: string;
  /** Every code of every system, for plain `code` elements (which carry no system). */
  readonly all: ReadonlySet<string>;
  readonly bySystem: ReadonlyMap<string, ReadonlySet<string>>;
}

/** One element of a type; shared by all JSON keys that carry it (choices, `_name`). */
export interface ElementInfo {
  /** Definition name, e.g. `gender` or `value[x]`. */
  readonly name: string;
  readonly min: number;
  /** Infinity for `*`. */
  readonly max: number;
  readonly array: boolean;
  readonly choice: boolean;
  /** Every JSON key that makes the element present. */
  readonly keys: readonly string[];
  readonly valueSet: CompiledValueSet | undefined;
}

/** What one JSON property name of a type means. */
export interface FieldRule {
  readonly element: ElementInfo;
  readonly typeName: string;
  /** The value key (`birthDate`) also for the extension key (`_birthDate`). */
  readonly valueKey: string;
  /** True for `_name`, which holds the id/extensions of primitive `name`. */
  readonly isPrimitiveExtension: boolean;
  readonly primitive: CompiledPrimitive | undefined;
  /** `Resource`: any resource, validated by its own resourceType. */
  readonly anyResource: boolean;
}

export interface TypeRules {
  readonly name: string;
  readonly isResource: boolean;
  readonly fields: ReadonlyMap<string, FieldRule>;
  readonly elements: readonly ElementInfo[];
  readonly required: readonly ElementInfo[];
}

const rules = JSON.parse(readFileSync(new URL('./rules.json', import.meta.url), 'utf8')) as RulesFile;

const resourceNames: ReadonlySet<string> = new Set(rules.resources);
const typeNames: ReadonlySet<string> = new Set(Object.keys(rules.types));
const primitives = new Map<string, CompiledPrimitive>(
  Object.entries(rules.primitives).map(([name, p]) => [
    name,
    { name, json: p.json, re: p.re === undefined ? undefined : new RegExp(p.re), min: p.min, max: p.max, maxLength: p.maxLength },
  ]),
);
const primitiveExtensionAllowed = new Set(
  Object.entries(rules.primitives)
    .filter(([, p]) => !p.noExt)
    .map(([n]) => n),
);
const valueSets = new Map<string, CompiledValueSet>();
const compiled = new Map<string, TypeRules>();

/** The server stores ids in URLs and keys: Resource.id is `string` in the R4 snapshot, but `id` by the spec text. */
const RESOURCE_ID = primitives.get('id');

/** Every complex type, resource and backbone path with rules. */
export function ruleTypeNames(): readonly string[] {
  return [...typeNames];
}

export function isResourceType(name: string): boolean {
  return resourceNames.has(name);
}

function valueSet(url: string): CompiledValueSet {
  let vs = valueSets.get(url);
  if (vs) return vs;
  const systems = Object.hasOwn(rules.valueSets, url) ? rules.valueSets[url] : undefined;
  const bySystem = new Map(Object.entries(systems ?? {}).map(([s, codes]) => [s, new Set(codes)] as const));
  const all = new Set<string>();
  for (const codes of bySystem.values()) for (const c of codes) all.add(c);
  vs = { url, all, bySystem };
  valueSets.set(url, vs);
  return vs;
}

function elementRulesOf(name: string): RulesFile['types'][string] {
  const own = rules.types[name] ?? [];
  const base = Object.hasOwn(rules.bases, name) ? rules.bases[name] : undefined;
  return base === undefined ? own : [...elementRulesOf(base), ...own];
}

const capitalize = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

function compile(name: string): TypeRules {
  const isResource = resourceNames.has(name);
  const fields = new Map<string, FieldRule>();
  const elements: ElementInfo[] = [];
  for (const [elName, type, min, max, vsUrl] of elementRulesOf(name)) {
    const choice = Array.isArray(type);
    const stem = choice ? elName.slice(0, -3) : elName;
    const keys: string[] = [];
    const element: ElementInfo = {
      name: elName,
      min,
      max: max < 0 ? Infinity : max,
      array: max < 0 || max > 1,
      choice,
      keys,
      valueSet: vsUrl === undefined ? undefined : valueSet(vsUrl),
    };
    for (const typeName of choice ? type : [type]) {
      const suffix = Object.hasOwn(rules.aliases, typeName) ? (rules.aliases[typeName] ?? typeName) : typeName;
      const valueKey = choice ? stem + capitalize(suffix) : stem;
      const prim = isResource && valueKey === 'id' ? RESOURCE_ID : primitives.get(typeName);
      const base = { element, typeName, valueKey, primitive: prim, anyResource: typeName === 'Resource' };
      fields.set(valueKey, { ...base, isPrimitiveExtension: false });
      keys.push(valueKey);
      if (prim && primitiveExtensionAllowed.has(typeName)) {
        fields.set(`_${valueKey}`, { ...base, isPrimitiveExtension: true });
        keys.push(`_${valueKey}`);
      }
    }
    elements.push(element);
  }
  return { name, isResource, fields, elements, required: elements.filter((e) => e.min > 0) };
}

/** Rules of a complex type, resource or backbone path; undefined for unknown names. */
export function typeRules(name: string): TypeRules | undefined {
  let t = compiled.get(name);
  if (t) return t;
  if (!typeNames.has(name)) return undefined;
  t = compile(name);
  compiled.set(name, t);
  return t;
}

/** Counts for reporting and tests. */
export function ruleStats(): { resources: number; types: number; elements: number; valueSets: number } {
  let elements = 0;
  for (const list of Object.values(rules.types)) elements += list.length;
  return {
    resources: resourceNames.size,
    types: typeNames.size,
    elements,
    valueSets: Object.keys(rules.valueSets).length,
  };
}
