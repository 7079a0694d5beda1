import type { Json, JsonObject } from '../../core/json.js';

const CONDITIONAL_REFERENCE = /^([A-Z][A-Za-z]+)\?(.+)$/;

/** A conditional reference (R4 §3.1.0.11.3): `Type?criteria` in a Reference.reference. */
export function conditionalReference(reference: string): { type: string; query: string } | undefined {
  const m = CONDITIONAL_REFERENCE.exec(reference);
  return m?.[1] && m[2] ? { type: m[1], query: m[2] } : undefined;
}

/** Every `reference` string in a resource (contained resources included). */
export function referenceStrings(value: Json | undefined, out: string[] = []): string[] {
  if (Array.isArray(value)) {
    for (const v of value) referenceStrings(v, out);
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === 'reference' && typeof v === 'string') out.push(v);
      else referenceStrings(v, out);
    }
  }
  return out;
}

/**
 * A copy of the resource with each reference found in `map` replaced by its target `Type/id`
 * (R4 §3.1.0.11.2: fullUrls of the Bundle, `urn:uuid:` and `urn:oid:` included).
 */
export function rewriteReferences(resource: JsonObject, map: ReadonlyMap<string, string>): JsonObject {
  if (map.size === 0) return resource;
  const walk = (v: Json | undefined): Json | undefined => {
    if (Array.isArray(v)) return v.map((x) => walk(x) as Json);
    if (v === null || typeof v !== 'object') return v;
    const out: JsonObject = {};
    for (const [k, child] of Object.entries(v)) {
      out[k] = k === 'reference' && typeof child === 'string' ? (map.get(child) ?? child) : walk(child);
    }
    return out;
  };
  return walk(resource) as JsonObject;
}
