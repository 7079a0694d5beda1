import { isJsonObject, type JsonObject } from '../../core/json.js';

const text = (v: unknown) => (typeof v === 'string' ? v : undefined);
const first = (v: unknown): JsonObject | undefined => (Array.isArray(v) ? v.find(isJsonObject) : isJsonObject(v) ? v : undefined);

function concept(v: unknown): string | undefined {
  const c = first(v);
  if (!c) return undefined;
  return text(c.text) ?? text(first(c.coding)?.display) ?? text(first(c.coding)?.code);
}

/** One line that tells a resource from its neighbours in a list: a name, else its code, else its status. */
export function summary(r: JsonObject): string {
  const name = first(r.name);
  if (name) {
    const given = Array.isArray(name.given) ? name.given.filter((g) => typeof g === 'string').join(' ') : '';
    const whole = text(name.text) ?? [given, text(name.family)].filter(Boolean).join(' ');
    if (whole) return whole;
  }
  if (typeof r.name === 'string') return r.name;
  const parts = [concept(r.code) ?? concept(r.type) ?? concept(r.vaccineCode) ?? concept(r.medicationCodeableConcept), text(r.status)];
  return parts.filter(Boolean).join(' · ');
}
