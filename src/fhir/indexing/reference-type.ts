/**
 * `resolve() is X` without resolving. R4 expressions such as Observation
 * `patient` (`subject.where(resolve() is Patient)`) need the target's type,
 * which fhirpath.js cannot get synchronously. The type is read from the
 * reference itself, in this order:
 *   1. `#id` → the type of the contained resource with that id;
 *   2. a literal reference whose last segments are `Type/id` (optionally
 *      followed by `/_history/vid`), relative or absolute
 *      (`http://x/fhir/Patient/1` is a Patient);
 *   3. otherwise (`urn:uuid:…`, identifier-only) → Reference.type.
 * Both forms below implement exactly this; the equivalence test checks them
 * against each other.
 */

import { ID_PATTERN } from '../../core/ids.js';

const ID = ID_PATTERN;
const TYPED_REFERENCE = new RegExp(`^(?:.*/)?([A-Z][A-Za-z]+)/${ID}(?:/_history/${ID})?$`);

interface ReferenceLike {
  readonly reference?: unknown;
  readonly type?: unknown;
}

function containedType(resource: unknown, id: string): string | null {
  const contained = (resource as { contained?: unknown }).contained;
  if (!Array.isArray(contained)) return null;
  for (const c of contained as unknown[]) {
    const r = c as { id?: unknown; resourceType?: unknown } | null;
    if (r && r.id === id && typeof r.resourceType === 'string') return r.resourceType;
  }
  return null;
}

/** The resource type a Reference points to, or null if it cannot be told. */
export function referenceTargetType(ref: unknown, resource: unknown): string | null {
  if (ref === null || typeof ref !== 'object') return null;
  const { reference, type } = ref as ReferenceLike;
  if (typeof reference === 'string') {
    if (reference.startsWith('#')) return containedType(resource, reference.slice(1));
    const m = TYPED_REFERENCE.exec(reference);
    if (m) return m[1] ?? null;
  }
  return typeof type === 'string' ? type : null;
}

/**
 * The FHIRPath equivalent of `resolve() is <type>` on a Reference focus,
 * for fhirpath.js (which needs `%resource` in the environment). Regexes use
 * no backslashes so they survive FHIRPath string-literal escaping.
 */
export function referenceIsTypePredicate(type: string): string {
  const typed = `^(.*/)?[A-Z][A-Za-z]+/${ID}(/_history/${ID})?$`;
  const exact = `^(.*/)?${type}/${ID}(/_history/${ID})?$`;
  return (
    `iif(reference.startsWith('#'), ` +
    `%resource.contained.where(resourceType = '${type}').id contains reference.substring(1), ` +
    `iif(reference.matches('${typed}'), reference.matches('${exact}'), type = '${type}'))`
  );
}
