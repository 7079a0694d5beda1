import { invalidView } from './errors.js';
import { jsonpathString } from './sql-text.js';

/*
 * Type names in ofType()/is()/as() and how an item of that type looks in FHIR JSON. Without the
 * FHIR model the compiler recognises types by JSON shape: primitives by JSON kind, resources by
 * `resourceType`; choice elements are found by name (value.ofType(Quantity) -> valueQuantity).
 */

/** FHIR primitive types carried as JSON strings. */
const STRING_TYPES = new Set([
  'string', 'code', 'id', 'uri', 'url', 'canonical', 'markdown', 'oid', 'uuid', 'base64Binary', 'xhtml',
  'date', 'dateTime', 'instant', 'time', 'integer64',
]);
const INTEGER_TYPES = new Set(['integer', 'positiveInt', 'unsignedInt']);

/** FHIRPath System types and the FHIR primitive each stands for. */
const SYSTEM_TYPES: Record<string, string> = {
  String: 'string', Boolean: 'boolean', Integer: 'integer', Decimal: 'decimal', Date: 'date',
  DateTime: 'dateTime', Time: 'time', Quantity: 'Quantity',
};

/** `FHIR.Quantity` -> `Quantity`, `System.String` -> `string`, `dateTime` -> `dateTime`. */
export function typeNameOf(qualified: string): string {
  const parts = qualified.split('.');
  const name = parts[parts.length - 1] as string;
  const ns = parts.length > 1 ? parts[0] : undefined;
  if (parts.length > 2 || (ns !== undefined && ns !== 'FHIR' && ns !== 'System')) {
    throw invalidView(`unknown type ${qualified}`);
  }
  if (ns !== 'FHIR' && SYSTEM_TYPES[name] !== undefined) return SYSTEM_TYPES[name] as string;
  if (!/^[A-Za-z][A-Za-z0-9]*$/.test(name)) throw invalidView(`unknown type ${qualified}`);
  return name;
}

/**
 * FHIR complex data types (R4, plus R5's additions): JSON objects with no `resourceType`, so
 * nothing in the JSON tells them apart. They are found only as choice elements (valueQuantity).
 */
const DATA_TYPES = new Set([
  'Address', 'Age', 'Annotation', 'Attachment', 'Availability', 'BackboneElement', 'CodeableConcept',
  'CodeableReference', 'Coding', 'ContactDetail', 'ContactPoint', 'Contributor', 'Count', 'DataRequirement',
  'Distance', 'Dosage', 'Duration', 'Element', 'ElementDefinition', 'Expression', 'ExtendedContactDetail',
  'Extension', 'HumanName', 'Identifier', 'MarketingStatus', 'Meta', 'Money', 'MoneyQuantity', 'Narrative',
  'ParameterDefinition', 'Period', 'Population', 'ProductShelfLife', 'Quantity', 'Range', 'Ratio', 'RatioRange',
  'Reference', 'RelatedArtifact', 'SampledData', 'Signature', 'SimpleQuantity', 'Timing', 'TriggerDefinition',
  'UsageContext', 'VirtualServiceDetail',
]);

/**
 * A jsonpath filter step keeping the items that look like `type`; undefined for a complex data
 * type, which the JSON does not reveal.
 */
export function typeFilter(type: string): string | undefined {
  if (STRING_TYPES.has(type)) return ' ? (@.type() == "string")';
  if (INTEGER_TYPES.has(type)) return ' ? (@.type() == "number" && @ == @.floor())';
  if (type === 'decimal') return ' ? (@.type() == "number")';
  if (type === 'boolean') return ' ? (@.type() == "boolean")';
  if (DATA_TYPES.has(type)) return undefined;
  if (/^[A-Z]/.test(type)) return ` ? (@."resourceType" == ${jsonpathString(type)})`;
  throw invalidView(`unknown type ${type}`);
}
