import { FhirError } from '../../core/errors.js';
import { isJsonObject, type Json, type JsonObject } from '../../core/json.js';
import { typeRules } from '../validation/compiled-rules.js';
import { locate, type Location } from './locate.js';
import { checkOperationCount } from './patch-limits.js';

/*
 * FHIRPath Patch (R4 fhirpatch.html): a Parameters resource of `operation` parameters, each with
 * parts type, path, name, value[x], index, source, destination. Applied to a copy; any failure
 * is a 422 naming the operation, and nothing is stored.
 */

interface Part { name?: string; [key: string]: Json | undefined }

function fail(n: number, why: string): FhirError {
  return FhirError.unprocessable(`FHIRPath Patch operation ${n + 1}: ${why}`, [`Parameters.parameter[${n}]`]);
}

function partsOf(param: JsonObject, n: number): Map<string, Part> {
  if (!Array.isArray(param.part)) throw fail(n, 'has no parts');
  const parts = new Map<string, Part>();
  for (const p of param.part) if (isJsonObject(p) && typeof p.name === 'string') parts.set(p.name, p as Part);
  return parts;
}

/** The value of a `value[x]` part: the primitive or complex value, whatever its type suffix. */
function valueOf(part: Part | undefined, n: number): Json {
  if (!part) throw fail(n, 'needs a value');
  const key = Object.keys(part).find((k) => k.startsWith('value') && k.length > 5);
  if (key === undefined || part[key] === undefined) throw fail(n, 'a value must be given as value[x]');
  return part[key]!;
}

function str(parts: Map<string, Part>, name: string, n: number): string {
  const v = parts.get(name);
  const s = v?.valueString ?? v?.valueCode;
  if (typeof s !== 'string') throw fail(n, `needs "${name}"`);
  return s;
}

function int(parts: Map<string, Part>, name: string, n: number): number {
  const v = parts.get(name)?.valueInteger;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw fail(n, `needs a non-negative integer "${name}"`);
  return v;
}

/** The single location a path must name, or the list a path names (all in one array). */
function one(locs: Location[], n: number, path: string): Location {
  if (locs.length !== 1) throw fail(n, `path ${path} matches ${locs.length} elements, not exactly one`);
  return locs[0]!;
}

function list(resource: JsonObject, path: string, n: number): { parent: JsonObject; key: string; array: Json[] } {
  const locs = locate(resource, path);
  const first = locs[0];
  if (!first?.parent || first.key === undefined || first.index === undefined || locs.some((l) => l.parent !== first.parent || l.key !== first.key)) {
    throw fail(n, `path ${path} does not name a list`);
  }
  return { parent: first.parent, key: first.key, array: first.parent[first.key] as Json[] };
}

function remove(loc: Location): void {
  if (!loc.parent || loc.key === undefined) throw FhirError.unprocessable('The resource itself cannot be deleted by a patch');
  if (loc.index === undefined) {
    delete loc.parent[loc.key];
    return;
  }
  const array = loc.parent[loc.key] as Json[];
  array.splice(loc.index, 1);
  if (array.length === 0) delete loc.parent[loc.key];
}

export function applyFhirPathPatch(resource: JsonObject, patch: unknown): JsonObject {
  if (!isJsonObject(patch) || patch.resourceType !== 'Parameters' || !Array.isArray(patch.parameter)) {
    throw FhirError.badRequest('A FHIRPath Patch is a Parameters resource with operation parameters');
  }
  // Every value it adds comes from the patch itself, so its growth is bounded by the body; the
  // size of the result is checked once, after (patch-resource.ts).
  checkOperationCount(patch.parameter.length);
  const doc = structuredClone(resource);
  patch.parameter.forEach((param, n) => {
    if (!isJsonObject(param) || param.name !== 'operation') throw fail(n, 'every parameter must be an "operation"');
    const parts = partsOf(param, n);
    const type = str(parts, 'type', n);
    const path = str(parts, 'path', n);
    switch (type) {
      case 'add': {
        const target = one(locate(doc, path), n, path);
        if (!isJsonObject(target.value)) throw fail(n, `path ${path} is not an element that can hold ${str(parts, 'name', n)}`);
        const name = str(parts, 'name', n);
        const value = valueOf(parts.get('value'), n);
        const repeats = typeRules(target.type)?.fields.get(name)?.element.array ?? Array.isArray(target.value[name]);
        if (repeats) target.value[name] = [...((target.value[name] as Json[] | undefined) ?? []), value];
        else if (target.value[name] !== undefined) throw fail(n, `${name} already has a value; use replace`);
        else target.value[name] = value;
        return;
      }
      case 'insert': {
        const { array } = list(doc, path, n);
        const index = int(parts, 'index', n);
        if (index > array.length) throw fail(n, `index ${index} is past the end of ${path}`);
        array.splice(index, 0, valueOf(parts.get('value'), n));
        return;
      }
      case 'delete': {
        const locs = locate(doc, path);
        if (locs.length > 1) throw fail(n, `path ${path} matches ${locs.length} elements; delete takes at most one`);
        if (locs[0]) remove(locs[0]);
        return;
      }
      case 'replace': {
        const target = one(locate(doc, path), n, path);
        if (!target.parent || target.key === undefined) throw fail(n, 'the resource itself cannot be replaced');
        const value = valueOf(parts.get('value'), n);
        if (target.index === undefined) target.parent[target.key] = value;
        else (target.parent[target.key] as Json[])[target.index] = value;
        return;
      }
      case 'move': {
        const { array } = list(doc, path, n);
        const source = int(parts, 'source', n);
        const destination = int(parts, 'destination', n);
        if (source >= array.length || destination >= array.length) throw fail(n, `source or destination is past the end of ${path}`);
        const [item] = array.splice(source, 1);
        array.splice(destination, 0, item!);
        return;
      }
      default:
        throw fail(n, `unknown operation type "${type}"`);
    }
  });
  return doc;
}
