import { FhirError } from '../../core/errors.js';
import { isJsonObject, type Json, type JsonObject } from '../../core/json.js';
import { closure, propertyText, type CodeSystemModel } from './code-system.js';
import { MAX_DEPTH, MAX_EXPANSION, MAX_SCANNED, tooCostly } from './limits.js';
import type { TerminologySource } from './source.js';

/*
 * ValueSet expansion (R4 valueset.html#expansion, $expand): the compose's includes (a system's
 * concepts, listed or filtered, intersected with imported value sets), less its excludes; or,
 * without a compose, the stored expansion. Filters run over the CodeSystem's hierarchy
 * (code-system.ts). Bounded: at most MAX_EXPANSION codes at any step (400 too-costly, as HAPI
 * refuses an expansion past its maximum), imports at most MAX_DEPTH deep, a cycle is a 400.
 */

export interface Code {
  system: string;
  version?: string;
  code: string;
  display?: string;
}

type Codes = Map<string, Code>;

const str = (v: Json | undefined): string | undefined => (typeof v === 'string' ? v : undefined);
const objects = (v: Json | undefined): JsonObject[] => (Array.isArray(v) ? v.filter(isJsonObject) : []);
export const codeKey = (system: string, code: string) => `${system}\u0000${code}`;

function add(out: Codes, c: Code, what: string): void {
  out.set(codeKey(c.system, c.code), c);
  if (out.size > MAX_EXPANSION) throw tooCostly(`Expansion of ${what} has more than ${MAX_EXPANSION} codes: too costly`);
}

interface Walk {
  source: TerminologySource;
  /** Canonicals of the value sets being expanded, outermost first: an import of one of them is a cycle. */
  stack: string[];
  /** Concepts scanned by filters so far in this request (shared by every level of imports). */
  scanned: { n: number };
}

function label(vs: JsonObject): string {
  return str(vs.url) ?? (typeof vs.id === 'string' ? `ValueSet/${vs.id}` : 'the ValueSet');
}

/** The concepts of a CodeSystem that pass one compose filter (R4 filter-operator). */
function filterCodes(cs: CodeSystemModel, f: JsonObject): Set<string> {
  const property = str(f.property) ?? '';
  const op = str(f.op) ?? '';
  const value = str(f.value) ?? '';
  const all = () => new Set(cs.concepts.keys());
  const known = (code: string) => {
    if (!cs.concepts.has(code)) throw FhirError.badRequest(`Filter ${property} ${op} ${value.slice(0, 80)}: no code "${value.slice(0, 80)}" in ${cs.url}`);
    return code;
  };
  const list = () => new Set(value.split(',').map((v) => v.trim()).filter(Boolean));
  if (property === 'concept' || property === 'code') {
    switch (op) {
      case 'is-a': return closure(cs, known(value), 'descendants');
      case 'descendent-of': return closure(cs, known(value), 'descendants', false);
      case 'is-not-a': {
        const below = closure(cs, known(value), 'descendants');
        return new Set([...all()].filter((c) => !below.has(c)));
      }
      case 'generalizes': return closure(cs, known(value), 'ancestors');
      case '=': return new Set(cs.concepts.has(value) ? [value] : []);
      case 'in': return new Set([...list()].filter((c) => cs.concepts.has(c)));
      case 'not-in': {
        const out = list();
        return new Set([...all()].filter((c) => !out.has(c)));
      }
      default: break;
    }
  } else {
    const text = (code: string): string[] => {
      const c = cs.concepts.get(code);
      if (!c) return [];
      if (property === 'display') return c.display === undefined ? [] : [c.display];
      return c.properties.filter((p) => p.code === property).flatMap((p) => propertyText(p.value) ?? []);
    };
    const where = (test: (values: string[]) => boolean) => new Set([...all()].filter((c) => test(text(c))));
    switch (op) {
      case '=': return where((vs) => vs.includes(value));
      case 'in': { const l = list(); return where((vs) => vs.some((v) => l.has(v))); }
      case 'not-in': { const l = list(); return where((vs) => !vs.some((v) => l.has(v))); }
      case 'exists': return where((vs) => (vs.length > 0) === (value === 'true'));
      default: break;
    }
  }
  // regex is not offered: a pattern from the request could backtrack for minutes on one code.
  throw FhirError.badRequest(`Filter "${property.slice(0, 40)} ${op.slice(0, 20)}" is not supported (supported: concept is-a, descendent-of, is-not-a, generalizes, =, in, not-in; property =, in, not-in, exists)`);
}

/** The codes one include (or exclude) element selects. */
async function selection(part: JsonObject, walk: Walk, what: string): Promise<Codes> {
  const system = str(part.system);
  const version = str(part.version);
  let out: Codes | undefined;
  if (system !== undefined) {
    out = new Map();
    const listed = objects(part.concept);
    const filters = objects(part.filter);
    const cs = await walk.source.codeSystem(system, version);
    if (listed.length > 0) {
      for (const c of listed) {
        const code = str(c.code);
        if (code === undefined) continue;
        const display = str(c.display) ?? cs?.concepts.get(code)?.display;
        add(out, { system, ...(version ? { version } : {}), code, ...(display !== undefined ? { display } : {}) }, what);
      }
    } else {
      if (cs === undefined) throw FhirError.badRequest(`Cannot expand ${what}: the code system ${system.slice(0, 200)} is not known to this server`);
      let codes: Set<string> | undefined;
      for (const f of filters) {
        walk.scanned.n += cs.concepts.size;
        if (walk.scanned.n > MAX_SCANNED) throw tooCostly(`Expanding ${what} would scan more than ${MAX_SCANNED} concepts with its filters: too costly`);
        const passed = filterCodes(cs, f);
        codes = codes === undefined ? passed : new Set([...codes].filter((c) => passed.has(c)));
      }
      if (codes === undefined && cs.concepts.size > MAX_EXPANSION) throw tooCostly(`Expansion of ${what} has more than ${MAX_EXPANSION} codes: too costly`);
      for (const code of codes ?? cs.concepts.keys()) {
        const display = cs.concepts.get(code)?.display;
        add(out, { system, ...(cs.version ? { version: cs.version } : {}), code, ...(display !== undefined ? { display } : {}) }, what);
      }
    }
  }
  for (const canonical of (Array.isArray(part.valueSet) ? part.valueSet : []).filter((v): v is string => typeof v === 'string')) {
    const imported = await expandCanonical(canonical, walk);
    out = out === undefined ? imported : new Map([...out].filter(([k]) => imported.has(k)));
  }
  return out ?? new Map();
}

async function expandCanonical(canonical: string, walk: Walk): Promise<Codes> {
  if (walk.stack.includes(canonical)) throw FhirError.badRequest(`ValueSet ${canonical.slice(0, 200)} imports itself (through ${walk.stack.join(' → ').slice(0, 400)})`);
  if (walk.stack.length >= MAX_DEPTH) throw tooCostly(`ValueSet imports nest deeper than ${MAX_DEPTH}`);
  const found = await walk.source.byUrl('ValueSet', canonical);
  if (found === undefined) throw FhirError.badRequest(`Cannot expand: the imported ValueSet ${canonical.slice(0, 200)} is not known to this server`);
  return expandInto(found.resource, { ...walk, stack: [...walk.stack, canonical] });
}

function stored(vs: JsonObject, what: string): Codes {
  const out: Codes = new Map();
  const visit = (list: JsonObject[], depth: number) => {
    if (depth > MAX_DEPTH) throw tooCostly(`The expansion of ${what} nests deeper than ${MAX_DEPTH}`);
    for (const c of list) {
      const system = str(c.system);
      const code = str(c.code);
      if (system !== undefined && code !== undefined && c.abstract !== true) {
        const display = str(c.display);
        const version = str(c.version);
        add(out, { system, code, ...(version ? { version } : {}), ...(display !== undefined ? { display } : {}) }, what);
      }
      visit(objects(c.contains), depth + 1);
    }
  };
  visit(objects(isJsonObject(vs.expansion) ? vs.expansion.contains : undefined), 0);
  return out;
}

async function expandInto(vs: JsonObject, walk: Walk): Promise<Codes> {
  const what = label(vs);
  if (!isJsonObject(vs.compose)) return stored(vs, what);
  const out: Codes = new Map();
  for (const inc of objects(vs.compose.include)) for (const c of (await selection(inc, walk, what)).values()) add(out, c, what);
  for (const exc of objects(vs.compose.exclude)) for (const k of (await selection(exc, walk, what)).keys()) out.delete(k);
  return out;
}

/** Every code of a ValueSet resource, in compose order, at most MAX_EXPANSION. */
export async function expandValueSet(vs: JsonObject, source: TerminologySource): Promise<Code[]> {
  const url = str(vs.url);
  return [...(await expandInto(vs, { source, stack: url ? [url] : [], scanned: { n: 0 } })).values()];
}
