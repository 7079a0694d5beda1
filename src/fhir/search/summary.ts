import { readFileSync } from 'node:fs';
import type { JsonObject } from '../../core/json.js';

interface Elements { summary: string[]; mandatory: string[] }

let table: Record<string, Elements> | undefined;
function elementsOf(type: string): Elements {
  table ??= JSON.parse(readFileSync(new URL('./summary-elements.json', import.meta.url), 'utf8')) as Record<string, Elements>;
  return table[type] ?? { summary: [], mandatory: [] };
}

/** Whether a JSON key stands for one of the element names (a choice `value[x]` covers `valueQuantity`, ...). */
function matches(names: readonly string[], key: string): boolean {
  const base = key.startsWith('_') ? key.slice(1) : key; // primitive extensions go with their element
  return names.some((n) => (n.endsWith('[x]') ? base.startsWith(n.slice(0, -3)) && /^[A-Z]/.test(base.slice(n.length - 3)) : n === base));
}

// Marks a resource that is not complete (R4 §3.1.1.5.8).
const SUBSETTED = { system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue', code: 'SUBSETTED' };

function subset(resource: JsonObject, keep: (key: string) => boolean): JsonObject {
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(resource)) if (keep(key)) out[key] = value;
  const meta = (out.meta ?? {}) as JsonObject;
  out.meta = { ...meta, tag: [...((meta.tag as JsonObject[] | undefined) ?? []), SUBSETTED] };
  return out;
}

const ALWAYS = ['resourceType', 'id', 'meta'];

/** `_summary` (true | text | data) and `_elements`, applied to one resource. */
export function summarize(resource: JsonObject, summary: string | undefined, elements: string[] | undefined): JsonObject {
  const type = String(resource.resourceType);
  if (elements !== undefined) {
    const { mandatory } = elementsOf(type);
    return subset(resource, (k) => ALWAYS.includes(k) || matches(elements, k) || matches(mandatory, k));
  }
  if (summary === 'true') {
    const names = elementsOf(type).summary;
    return subset(resource, (k) => ALWAYS.includes(k) || matches(names, k));
  }
  if (summary === 'text') {
    const names = elementsOf(type).mandatory;
    return subset(resource, (k) => ALWAYS.includes(k) || k === 'text' || matches(names, k));
  }
  if (summary === 'data') return subset(resource, (k) => k !== 'text');
  return resource;
}
