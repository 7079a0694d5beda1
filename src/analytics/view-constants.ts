import { invalidView } from './errors.js';
import { validateName } from './sql-text.js';

/**
 * A ViewDefinition `constant`: a name and exactly one `value[x]`. `fhirType` is the [x] part
 * (`dateTime`, `integer`, `Quantity`...), `value` the JSON value as given.
 */
export interface ConstantDef {
  name: string;
  fhirType: string;
  value: unknown;
}

/** FHIR primitive types, whose value[x] suffix is the type name with its first letter raised. */
const PRIMITIVES = new Set([
  'base64Binary', 'boolean', 'canonical', 'code', 'date', 'dateTime', 'decimal', 'id', 'instant',
  'integer', 'integer64', 'markdown', 'oid', 'positiveInt', 'string', 'time', 'unsignedInt', 'uri',
  'url', 'uuid',
]);

function typeOfSuffix(suffix: string): string {
  const lowered = suffix.charAt(0).toLowerCase() + suffix.slice(1);
  return PRIMITIVES.has(lowered) ? lowered : suffix;
}

function checkValue(fhirType: string, value: unknown, at: string): void {
  const ok = ((): boolean => {
    switch (fhirType) {
      case 'boolean':
        return typeof value === 'boolean';
      case 'integer':
      case 'positiveInt':
      case 'unsignedInt':
        return typeof value === 'number' && Number.isInteger(value);
      case 'decimal':
        return typeof value === 'number' && Number.isFinite(value);
      case 'integer64':
        return typeof value === 'string' || (typeof value === 'number' && Number.isInteger(value));
      default:
        return PRIMITIVES.has(fhirType) ? typeof value === 'string' : typeof value === 'object' && value !== null;
    }
  })();
  if (!ok) throw invalidView(`constant value does not fit type ${fhirType}`, at);
}

export function parseConstants(raw: unknown[]): Map<string, ConstantDef> {
  const out = new Map<string, ConstantDef>();
  raw.forEach((c, i) => {
    const at = `constant[${i}]`;
    if (typeof c !== 'object' || c === null || Array.isArray(c)) throw invalidView('constant must be an object', at);
    const obj = c as Record<string, unknown>;
    const name = validateName(obj.name, 'constant name', `${at}.name`);
    if (out.has(name)) throw invalidView(`constant "${name}" is defined twice`, at);
    if (name === 'rowIndex') throw invalidView('constant name rowIndex is reserved', `${at}.name`);
    const keys = Object.keys(obj).filter((k) => /^value[A-Z]/.test(k));
    if (keys.length !== 1) throw invalidView(`constant "${name}" needs exactly one value[x]`, at);
    const key = keys[0] as string;
    const fhirType = typeOfSuffix(key.slice('value'.length));
    checkValue(fhirType, obj[key], `${at}.${key}`);
    out.set(name, { name, fhirType, value: obj[key] });
  });
  return out;
}
