import { FhirError } from '../../core/errors.js';
import { isJsonObject, type Json, type JsonObject } from '../../core/json.js';
import { typeRules } from '../validation/compiled-rules.js';

/*
 * Where a FHIRPath Patch path points (R4 fhirpatch.html): the subset of FHIRPath that names
 * elements — `Type.a.b`, `[n]`, `.where(x.y = 'v' and ...)`, `.first()`, `.last()` — evaluated
 * to locations that can be changed in place, each with the FHIR type of its value (from the
 * generated validation rules) so `add` knows whether an element repeats.
 */
export interface Location {
  /** The object holding the element; undefined for the resource itself. */
  parent?: JsonObject;
  key?: string;
  /** Position within the parent's array, when the element repeats. */
  index?: number;
  value: Json;
  /** FHIR type name (or backbone path) of the value. */
  type: string;
}

const bad = (path: string, why: string) => FhirError.unprocessable(`FHIRPath Patch path "${path.slice(0, 120)}": ${why}`);

type Token = { kind: 'name' | 'string' | 'number' | 'symbol'; text: string };

function tokenize(path: string): Token[] {
  const tokens: Token[] = [];
  const re = /\s*(?:([A-Za-z_$][A-Za-z0-9_]*)|'((?:[^'\\]|\\.)*)'|(-?\d+(?:\.\d+)?)|(!=|[.()[\]=]))/y;
  let i = 0;
  while (i < path.length) {
    re.lastIndex = i;
    const m = re.exec(path);
    if (!m) {
      if (/^\s*$/.test(path.slice(i))) break;
      throw bad(path, `unexpected "${path.slice(i, i + 10)}"`);
    }
    if (m[1] !== undefined) tokens.push({ kind: 'name', text: m[1] });
    else if (m[2] !== undefined) tokens.push({ kind: 'string', text: m[2].replace(/\\(.)/g, '$1') });
    else if (m[3] !== undefined) tokens.push({ kind: 'number', text: m[3] });
    else tokens.push({ kind: 'symbol', text: m[4]! });
    i = re.lastIndex;
  }
  return tokens;
}

function children(loc: Location, name: string): Location[] {
  if (!isJsonObject(loc.value)) return [];
  const rules = typeRules(loc.type);
  const field = rules?.fields.get(name);
  // A choice element is named without its type suffix in FHIRPath (value → valueQuantity).
  const key = field || !rules ? name : Object.keys(loc.value).find((k) => k.startsWith(name) && /^[A-Z]/.test(k.slice(name.length)) && rules.fields.has(k));
  if (key === undefined) return [];
  const type = rules?.fields.get(key)?.typeName ?? '';
  const v = loc.value[key];
  if (v === undefined) return [];
  if (Array.isArray(v)) return v.map((item, index) => ({ parent: loc.value as JsonObject, key, index, value: item, type }));
  return [{ parent: loc.value, key, value: v, type }];
}

class Parser {
  private i = 0;
  constructor(private readonly tokens: Token[], private readonly path: string) {}

  private peek(text?: string): Token | undefined {
    const t = this.tokens[this.i];
    return text === undefined || t?.text === text ? t : undefined;
  }
  private expect(text: string): void {
    if (this.tokens[this.i]?.text !== text) throw bad(this.path, `expected "${text}"`);
    this.i++;
  }
  done(): boolean {
    return this.i >= this.tokens.length;
  }

  /**
   * Steps applied to `focus`: `.name`, `.fn(...)`, `[n]`. A nested path (inside where()) starts
   * without a dot and ends at a comparison, `)`, `and` or `or`.
   */
  steps(focus: Location[], nested = false): Location[] {
    let first = nested;
    while (!this.done()) {
      if (nested && ['=', '!=', ')', 'and', 'or'].includes(this.tokens[this.i]!.text)) break;
      if (this.peek('[')) {
        this.i++;
        const n = this.tokens[this.i++];
        if (n?.kind !== 'number' || !/^\d+$/.test(n.text)) throw bad(this.path, 'an index must be a whole number');
        this.expect(']');
        const one = focus[Number(n.text)];
        focus = one ? [one] : [];
        continue;
      }
      if (!first) this.expect('.');
      first = false;
      const name = this.tokens[this.i++];
      if (name?.kind !== 'name') throw bad(this.path, 'expected an element name');
      if (name.text === '$this') continue;
      if (this.peek('(')) {
        this.i++;
        focus = this.call(name.text, focus);
        continue;
      }
      focus = focus.flatMap((l) => children(l, name.text));
    }
    return focus;
  }

  private call(fn: string, focus: Location[]): Location[] {
    if (fn === 'first' || fn === 'last') {
      this.expect(')');
      const one = fn === 'first' ? focus[0] : focus[focus.length - 1];
      return one ? [one] : [];
    }
    if (fn !== 'where') throw bad(this.path, `function ${fn}() is not supported`);
    const begin = this.i;
    const kept = focus.filter((loc) => {
      this.i = begin;
      return this.condition(loc);
    });
    if (focus.length === 0) this.skipCondition();
    this.expect(')');
    return kept;
  }

  private skipCondition(): void {
    let depth = 0;
    while (!this.done() && !(depth === 0 && this.peek(')'))) {
      if (this.peek('(')) depth++;
      if (this.peek(')')) depth--;
      this.i++;
    }
  }

  /** term (('and'|'or') term)*, evaluated left to right on one location. */
  private condition(loc: Location): boolean {
    let result = this.term(loc);
    while (this.peek('and') || this.peek('or')) {
      const op = this.tokens[this.i++]!.text;
      const next = this.term(loc);
      result = op === 'and' ? result && next : result || next;
    }
    return result;
  }

  private term(loc: Location): boolean {
    const values = this.steps([loc], true).map((l) => l.value);
    const op = this.tokens[this.i++];
    if (op?.text !== '=' && op?.text !== '!=') throw bad(this.path, 'where() takes comparisons: path = literal');
    const lit = this.tokens[this.i++];
    if (!lit || (lit.kind !== 'string' && lit.kind !== 'number' && lit.text !== 'true' && lit.text !== 'false')) {
      throw bad(this.path, 'where() compares with a string, number, true or false');
    }
    const literal: Json = lit.kind === 'string' ? lit.text : lit.kind === 'number' ? Number(lit.text) : lit.text === 'true';
    const equal = values.length === 1 && values[0] === literal;
    return op.text === '=' ? equal : !equal;
  }
}

/** Evaluates a patch path against the resource. */
export function locate(resource: JsonObject, path: string): Location[] {
  const tokens = tokenize(path);
  const type = String(resource.resourceType);
  const root: Location = { value: resource, type };
  if (tokens[0]?.text === type) tokens.shift();
  else throw bad(path, `must start with ${type}`);
  const parser = new Parser(tokens, path);
  return parser.steps([root]);
}
