import { isJsonObject, type Json, type JsonObject } from '../../core/json.js';
import { MAX_CONCEPTS, MAX_DEPTH, tooCostly } from './limits.js';

/*
 * A CodeSystem's concepts as a hierarchy (R4 codesystem.html#hierarchy): nested `concept`
 * elements, and the `parent` / `child` properties (codesystem-concept-properties), both give
 * the parent-child links; filters and subsumption follow them. Built once per stored version
 * (cache.ts), bounded in concepts and nesting.
 */

export interface Designation {
  language?: string;
  use?: JsonObject;
  value: string;
}

export interface Property {
  code: string;
  /** The `value[x]` element as stored, e.g. { valueCode: 'x' }. */
  value: JsonObject;
}

export interface Concept {
  code: string;
  display?: string;
  definition?: string;
  designations: Designation[];
  properties: Property[];
  parents: Set<string>;
  children: Set<string>;
}

export interface CodeSystemModel {
  url: string;
  version?: string;
  name?: string;
  /** `content` of the CodeSystem: only `complete` (or `fragment`) lists the codes it defines. */
  content?: string;
  caseSensitive: boolean;
  concepts: Map<string, Concept>;
}

const str = (v: Json | undefined): string | undefined => (typeof v === 'string' ? v : undefined);
const objects = (v: Json | undefined): JsonObject[] => (Array.isArray(v) ? v.filter(isJsonObject) : []);

/** The `value[x]` of a property (valueCode, valueString, …) as a string, for `=` filters. */
export function propertyText(value: JsonObject): string | undefined {
  for (const [key, v] of Object.entries(value)) {
    if (!key.startsWith('value')) continue;
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return String(v);
    if (isJsonObject(v) && typeof v.code === 'string') return v.code;
  }
  return undefined;
}

export function codeSystemModel(cs: JsonObject): CodeSystemModel {
  const concepts = new Map<string, Concept>();
  const links: [parent: string, child: string][] = [];
  const visit = (list: JsonObject[], parent: string | undefined, depth: number) => {
    if (depth > MAX_DEPTH) throw tooCostly(`CodeSystem ${str(cs.url) ?? ''} nests concepts deeper than ${MAX_DEPTH}`);
    for (const c of list) {
      const code = str(c.code);
      if (code === undefined) continue;
      if (concepts.size >= MAX_CONCEPTS) throw tooCostly(`CodeSystem ${str(cs.url) ?? ''} has more than ${MAX_CONCEPTS} concepts`);
      const properties = objects(c.property).flatMap((p) => (typeof p.code === 'string' ? [{ code: p.code, value: p }] : []));
      const designations = objects(c.designation).flatMap((d) => (typeof d.value === 'string'
        ? [{ value: d.value, ...(typeof d.language === 'string' ? { language: d.language } : {}), ...(isJsonObject(d.use) ? { use: d.use } : {}) }]
        : []));
      const concept: Concept = {
        code, display: str(c.display), definition: str(c.definition), designations,
        properties: properties.filter((p) => p.code !== 'parent' && p.code !== 'child'),
        parents: new Set(), children: new Set(),
      };
      if (!concepts.has(code)) concepts.set(code, concept);
      if (parent !== undefined) links.push([parent, code]);
      for (const p of properties) {
        const other = propertyText(p.value);
        if (other === undefined) continue;
        if (p.code === 'parent') links.push([other, code]);
        if (p.code === 'child') links.push([code, other]);
      }
      visit(objects(c.concept), code, depth + 1);
    }
  };
  visit(objects(cs.concept), undefined, 0);
  for (const [parent, child] of links) {
    const p = concepts.get(parent);
    const c = concepts.get(child);
    if (!p || !c || parent === child) continue;
    p.children.add(child);
    c.parents.add(parent);
  }
  return {
    url: str(cs.url) ?? '', version: str(cs.version), name: str(cs.title) ?? str(cs.name), content: str(cs.content),
    caseSensitive: cs.caseSensitive !== false, concepts,
  };
}

/** The code and everything below it (`descendants`) or above it (`ancestors`), cycles cut. */
export function closure(model: CodeSystemModel, code: string, direction: 'descendants' | 'ancestors', withSelf = true): Set<string> {
  const out = new Set<string>();
  const start = model.concepts.get(code);
  if (!start) return out;
  const stack = [start.code];
  const seen = new Set<string>();
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    if (seen.has(next)) continue;
    seen.add(next);
    if (next !== code || withSelf) out.add(next);
    const c = model.concepts.get(next);
    for (const n of (direction === 'descendants' ? c?.children : c?.parents) ?? []) stack.push(n);
  }
  return out;
}

/** R4 $subsumes: how codeA relates to codeB in the hierarchy. */
export function subsumption(model: CodeSystemModel, a: string, b: string): 'equivalent' | 'subsumes' | 'subsumed-by' | 'not-subsumed' {
  if (a === b) return 'equivalent';
  if (closure(model, a, 'descendants').has(b)) return 'subsumes';
  if (closure(model, b, 'descendants').has(a)) return 'subsumed-by';
  return 'not-subsumed';
}

/** The concept of a code, case-insensitively when the CodeSystem says it is not case sensitive. */
export function conceptOf(model: CodeSystemModel, code: string): Concept | undefined {
  const exact = model.concepts.get(code);
  if (exact || model.caseSensitive) return exact;
  const lower = code.toLowerCase();
  for (const c of model.concepts.values()) if (c.code.toLowerCase() === lower) return c;
  return undefined;
}
