/**
 * reference parameter values (R4 search.html#reference) from Reference,
 * canonical/uri, and whole resources (Bundle `composition`/`message`).
 */
import type { ReferenceValue } from './index-rows.js';
import type { TypedValue } from './typed-value.js';
import { ID_PATTERN } from '../../core/ids.js';

type Json = Record<string, unknown>;

const ID = ID_PATTERN;
const LOCAL_REFERENCE = new RegExp(`^([A-Z][A-Za-z]+)/(${ID})(?:/_history/${ID})?$`);

function str(x: unknown): string | null {
  return typeof x === 'string' && x !== '' ? x : null;
}

function value(
  targetType: string | null,
  targetId: string | null,
  url: string | null,
  identifierSystem: string | null = null,
  identifierValue: string | null = null,
): ReferenceValue {
  return { targetType, targetId, url, identifierSystem, identifierValue };
}

/** Canonical references may pin a version (`url|1.2`); searches match on the URL. */
export function stripCanonicalVersion(canonical: string): string {
  const bar = canonical.indexOf('|');
  return bar < 0 ? canonical : canonical.slice(0, bar);
}

/**
 * Splits a literal reference: `Type/id` (history dropped) is local; anything
 * else (absolute URL, `urn:uuid:`, `#contained`, conditional) is kept whole
 * in `url`.
 */
export function parseLiteralReference(ref: string): Pick<ReferenceValue, 'targetType' | 'targetId' | 'url'> {
  const m = LOCAL_REFERENCE.exec(ref);
  if (m) return { targetType: m[1] ?? null, targetId: m[2] ?? null, url: null };
  return { targetType: null, targetId: null, url: ref };
}

function fromReference(r: Json): ReferenceValue | null {
  const ident = typeof r.identifier === 'object' && r.identifier !== null ? (r.identifier as Json) : null;
  const identifierSystem = ident === null ? null : str(ident.system);
  const identifierValue = ident === null ? null : str(ident.value);
  const literal = str(r.reference);
  if (literal !== null) {
    const { targetType, targetId, url } = parseLiteralReference(literal);
    return value(targetType, targetId, url, identifierSystem, identifierValue);
  }
  // A logical reference only has an identifier; Reference.type still tells its target type.
  if (identifierSystem === null && identifierValue === null) return null;
  return value(str(r.type), null, null, identifierSystem, identifierValue);
}

export function referenceValues(values: readonly TypedValue[]): ReferenceValue[] {
  const out: ReferenceValue[] = [];
  for (const { v, t } of values) {
    if (typeof v === 'string') {
      if (v !== '') out.push(value(null, null, t === 'canonical' ? stripCanonicalVersion(v) : v));
    } else if (typeof v === 'object' && v !== null) {
      const obj = v as Json;
      if (t === 'Reference') {
        const r = fromReference(obj);
        if (r !== null) out.push(r);
      } else if (typeof obj.resourceType === 'string' && str(obj.id) !== null) {
        out.push(value(obj.resourceType, str(obj.id), null));
      }
    }
  }
  return out;
}
