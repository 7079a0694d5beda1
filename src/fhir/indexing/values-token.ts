/**
 * token parameter values (R4 search.html#token).
 */
import type { TokenValue } from './index-rows.js';
import type { TypedValue } from './typed-value.js';

type Json = Record<string, unknown>;

function str(x: unknown): string | null {
  return typeof x === 'string' && x !== '' ? x : null;
}

function token(system: string | null, value: string | null, display: string | null): TokenValue {
  return { system, value, display, typeSystem: null, typeCode: null };
}

function pushCoding(out: TokenValue[], c: unknown): void {
  if (typeof c !== 'object' || c === null) return;
  const { system, code, display } = c as Json;
  const t = token(str(system), str(code), str(display));
  if (t.system !== null || t.value !== null || t.display !== null) out.push(t);
}

function codings(cc: Json): unknown[] {
  return Array.isArray(cc.coding) ? (cc.coding as unknown[]) : [];
}

/** Each coding, plus the text alone (system/value null) for `:text`. */
function pushCodeableConcept(out: TokenValue[], cc: Json): void {
  for (const c of codings(cc)) pushCoding(out, c);
  const text = str(cc.text);
  if (text !== null) out.push(token(null, null, text));
}

/**
 * One value per Identifier.type coding so `:of-type` can match
 * type+value on a single row; `display` carries type.text for `:text`.
 */
function pushIdentifier(out: TokenValue[], id: Json): void {
  const system = str(id.system);
  const value = str(id.value);
  const type = typeof id.type === 'object' && id.type !== null ? (id.type as Json) : null;
  const display = type === null ? null : str(type.text);
  if (system === null && value === null && display === null) return;
  const typeCodings = type === null ? [] : codings(type);
  let pushed = false;
  for (const c of typeCodings) {
    if (typeof c !== 'object' || c === null) continue;
    const { system: ts, code: tc } = c as Json;
    if (str(ts) === null && str(tc) === null) continue;
    out.push({ system, value, display, typeSystem: str(ts), typeCode: str(tc) });
    pushed = true;
  }
  if (!pushed) out.push(token(system, value, display));
}

export function tokenValues(values: readonly TypedValue[]): TokenValue[] {
  const out: TokenValue[] = [];
  for (const { v, t } of values) {
    switch (typeof v) {
      case 'string':
        if (v !== '') out.push(token(null, v, null));
        continue;
      case 'boolean':
        out.push(token(null, v ? 'true' : 'false', null));
        continue;
      case 'number':
        out.push(token(null, String(v), null));
        continue;
      case 'object':
        if (v === null) continue;
        break;
      default:
        continue;
    }
    const obj = v as Json;
    if (t === 'CodeableConcept') pushCodeableConcept(out, obj);
    else if (t === 'Coding') pushCoding(out, obj);
    else if (t === 'Identifier') pushIdentifier(out, obj);
    // ContactPoint.system (phone/email) is a kind, not a code system.
    else if (t === 'ContactPoint') {
      const value = str(obj.value);
      if (value !== null) out.push(token(null, value, null));
    }
  }
  return out;
}
