/**
 * Static type lookups over fhirpath.js's R4 model, so the fast accessors
 * type their results exactly as fhirpath.js does (same source of truth).
 */
import r4 from 'fhirpath/fhir-context/r4';
import type { Model } from 'fhirpath';

export const r4Model: Model = r4;

/**
 * A "key" identifies where an element's children are defined: the element
 * path for BackboneElement/Element (`Observation.component`), the type name
 * for data types and resources (`HumanName`, `Observation`).
 */
export interface ChildOption {
  /** Property name in FHIR JSON (`valueQuantity` for choice `value`). */
  readonly jsonKey: string;
  /** FHIR type of the child (`Quantity`, `string`, `BackboneElement`…). */
  readonly type: string;
  /** Key of the child, for resolving its own children. */
  readonly key: string;
}

const BACKBONE_TYPES: ReadonlySet<string> = new Set(['BackboneElement', 'Element']);

// 'Resource' typed elements (contained, Bundle.entry.resource) take their
// real type from the data, which static accessors cannot know.
const DYNAMIC_TYPES: ReadonlySet<string> = new Set(['Resource', 'DomainResource']);

function keyFor(type: string, path: string): string {
  return BACKBONE_TYPES.has(type) ? path : type;
}

function childrenAt(path: string, name: string): ChildOption[] | null {
  const elsewhere = r4.pathsDefinedElsewhere[path];
  if (elsewhere !== undefined) {
    const type = r4.path2Type[elsewhere];
    return type === undefined ? null : [{ jsonKey: name, type, key: keyFor(type, elsewhere) }];
  }
  const suffixes = r4.choiceTypePaths[path];
  if (suffixes !== undefined) {
    const options: ChildOption[] = [];
    for (const suffix of suffixes) {
      const type = r4.path2Type[path + suffix];
      if (type !== undefined) options.push({ jsonKey: name + suffix, type, key: keyFor(type, path + suffix) });
    }
    return options;
  }
  const type = r4.path2Type[path];
  return type === undefined ? null : [{ jsonKey: name, type, key: keyFor(type, path) }];
}

/**
 * The possible children `name` of an element with `key`, or null when the
 * model does not define it (or it is a dynamically typed Resource), in which
 * case a static accessor cannot be built.
 */
export function childOptions(key: string, name: string): ChildOption[] | null {
  // Inherited elements (Age.value from Quantity, Patient.id from Resource)
  // are looked up on the ancestors.
  for (let k: string | undefined = key; k !== undefined; k = r4.type2Parent[k]) {
    const options = childrenAt(`${k}.${name}`, name);
    if (options !== null) return options.some((o) => DYNAMIC_TYPES.has(o.type)) ? null : options;
  }
  return null;
}

/** True if `type` is `base` or derives from it (FHIRPath `is`/`as` semantics). */
export function isA(type: string, base: string): boolean {
  for (let t: string | undefined = type; t !== undefined; t = r4.type2Parent[t]) {
    if (t === base) return true;
  }
  return false;
}

/** True for the concrete resource types that derive from DomainResource. */
export function isDomainResource(resourceType: string): boolean {
  return r4.type2Parent[resourceType] === 'DomainResource';
}

// R4 sometimes capitalizes a FHIR primitive in a type test
// (`value.as(DateTime)` in Observation code-value-date); FHIRPath reads that
// as System.DateTime, which no FHIR element is, so it would match nothing.
const CAPITALIZED_PRIMITIVES: ReadonlyMap<string, string> = new Map(
  ['dateTime', 'date', 'instant', 'time', 'boolean', 'integer', 'decimal', 'uri', 'url', 'canonical', 'code', 'id']
    .map((p) => [p[0]!.toUpperCase() + p.slice(1), p] as const),
);

/** The FHIR type meant by a type name in an R4 search expression. */
export function fhirTypeName(name: string): string {
  return CAPITALIZED_PRIMITIVES.get(name) ?? name;
}

/** True if `name` is a type of the model (resource, data type or primitive). */
export function isModelType(name: string): boolean {
  return r4.type2Parent[name] !== undefined || name === 'Element' || name === 'Resource';
}
