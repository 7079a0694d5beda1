/**
 * The structural walk: one resource or complex value against its compiled TypeRules. Paths use
 * the JSON property names (`Observation.valueQuantity`, `Patient._birthDate`), which are what a
 * client has to fix. FHIRPath invariants (constraints such as ele-1 or dom-2) are deliberately
 * not evaluated: structure only.
 */
import { checkCode, checkCodeableConcept, checkCoding } from './check-binding.js';
import { checkPrimitive } from './check-primitive.js';
import { isResourceType, typeRules } from './compiled-rules.js';
import type { FieldRule, TypeRules } from './compiled-rules.js';
import { MAX_DEPTH, jsonKind, quote } from './issues.js';
import type { IssueCollector } from './issues.js';

type JsonObject = Record<string, unknown>;

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);
const present = (v: unknown) => v !== undefined && v !== null;

/** A resource anywhere: the root, `contained`, `Bundle.entry.resource`, `Parameters.parameter.resource`. */
export function walkResource(value: unknown, path: string | undefined, out: IssueCollector, depth: number): void {
  if (!isObject(value)) {
    out.add('structure', `Expected a resource (JSON object), found ${jsonKind(value)}`, path);
    return;
  }
  const rt = Object.hasOwn(value, 'resourceType') ? value.resourceType : undefined;
  if (rt === undefined) {
    out.add('required', 'Missing resourceType', path ? `${path}.resourceType` : 'resourceType');
    return;
  }
  const rules = typeof rt === 'string' && isResourceType(rt) ? typeRules(rt) : undefined;
  if (!rules || typeof rt !== 'string') {
    out.add('invalid', `Unknown resource type ${quote(rt)}`, path ? `${path}.resourceType` : 'resourceType');
    return;
  }
  walkObject(value, rules, path ?? rt, out, depth);
}

function walkObject(obj: JsonObject, rules: TypeRules, path: string, out: IssueCollector, depth: number): void {
  if (depth > MAX_DEPTH) {
    out.stop('invalid', `Nesting deeper than ${MAX_DEPTH} levels`, path);
    return;
  }
  const keys = Object.keys(obj);
  if (keys.length === 0) out.add('structure', 'Empty objects are not allowed', path);
  let choices: Map<string, string> | undefined;
  for (const key of keys) {
    if (out.stopped) return;
    const value = obj[key];
    if (value === undefined) continue;
    const field = rules.fields.get(key);
    if (!field) {
      if (!(key === 'resourceType' && rules.isResource)) out.add('structure', unknownElement(key, rules), `${path}.${shorten(key)}`);
      continue;
    }
    if (field.element.choice) {
      choices ??= new Map();
      const seen = choices.get(field.element.name);
      if (seen === undefined) choices.set(field.element.name, field.valueKey);
      else if (seen !== field.valueKey) {
        out.add('structure', `Only one of ${seen} and ${field.valueKey} is allowed (${rules.name}.${field.element.name})`, `${path}.${key}`);
        continue;
      }
    }
    if (field.isPrimitiveExtension) walkPrimitiveExtension(obj, key, field, path, out, depth);
    else walkElement(obj, key, field, path, out, depth);
  }
  if (out.stopped) return;
  for (const el of rules.required) {
    if (!el.keys.some((k) => Object.hasOwn(obj, k) && present(obj[k]))) {
      out.add('required', `Missing required element ${el.name} (min ${el.min}) in ${rules.name}`, `${path}.${el.name}`);
    }
  }
}

/** Keys come from the client; an absurdly long one must not blow up the expression. */
const shorten = (key: string) => (key.length > 64 ? `${key.slice(0, 63)}…` : key);

function unknownElement(key: string, rules: TypeRules): string {
  const choice = rules.elements.find((e) => e.choice && key.startsWith(e.name.slice(0, -3)) && /^[A-Z]/.test(key.slice(e.name.length - 3)));
  if (!choice) return `Unknown element ${quote(key)} in ${rules.name}`;
  const allowed = choice.keys.filter((k) => !k.startsWith('_'));
  const hint = allowed.length <= 12 ? `: use one of ${allowed.join(', ')}` : '';
  return `${quote(key)} is not an allowed type for ${rules.name}.${choice.name}${hint}`;
}

function walkElement(obj: JsonObject, key: string, field: FieldRule, path: string, out: IssueCollector, depth: number): void {
  const el = field.element;
  const value = obj[key];
  const here = `${path}.${key}`;
  if (!el.array) {
    if (Array.isArray(value)) out.add('structure', `${key} has max cardinality 1 and must not be an array`, here);
    else if (value === null) out.add('structure', 'null is not allowed', here);
    else walkItem(value, field, here, out, depth);
    return;
  }
  if (!Array.isArray(value)) {
    out.add('structure', `${key} repeats and must be a JSON array, found ${jsonKind(value)}`, here);
    return;
  }
  if (value.length === 0) out.add('structure', 'Empty arrays are not allowed', here);
  if (value.length > el.max) out.add('structure', `${key} allows at most ${el.max} items, found ${value.length}`, here);
  if (value.length > 0 && value.length < el.min) out.add('required', `${key} needs at least ${el.min} items`, here);
  const extKey = `_${key}`;
  const ext = field.primitive && Object.hasOwn(obj, extKey) ? obj[extKey] : undefined;
  for (let i = 0; i < value.length && !out.stopped; i++) {
    const item: unknown = value[i];
    if (present(item)) walkItem(item, field, `${here}[${i}]`, out, depth);
    // R4 json.html: a null value keeps primitive arrays aligned with a non-null `_name` entry.
    else if (!(Array.isArray(ext) && isObject(ext[i]))) out.add('structure', 'null is not allowed here', `${here}[${i}]`);
  }
}

function walkItem(value: unknown, field: FieldRule, path: string, out: IssueCollector, depth: number): void {
  const vs = field.element.valueSet;
  if (field.primitive) {
    if (checkPrimitive(value, field.primitive, path, out) && vs && field.typeName === 'code' && typeof value === 'string') {
      checkCode(value, vs, path, out);
    }
    return;
  }
  if (field.anyResource) {
    walkResource(value, path, out, depth + 1);
    return;
  }
  if (!isObject(value)) {
    out.add('structure', `Expected a JSON object for type ${field.typeName}, found ${jsonKind(value)}`, path);
    return;
  }
  const rules = typeRules(field.typeName);
  if (!rules) {
    out.add('invalid', `No rules for type ${field.typeName}`, path);
    return;
  }
  walkObject(value, rules, path, out, depth + 1);
  if (vs && !out.stopped) {
    if (field.typeName === 'Coding') checkCoding(value, vs, path, out);
    else if (field.typeName === 'CodeableConcept') checkCodeableConcept(value, vs, path, out);
  }
}

/** `_name`: the id/extensions of primitive `name`, an object, or an array aligned with `name`. */
function walkPrimitiveExtension(obj: JsonObject, key: string, field: FieldRule, path: string, out: IssueCollector, depth: number): void {
  const value = obj[key];
  const here = `${path}.${key}`;
  const element = typeRules('Element');
  if (!element) return;
  if (!field.element.array) {
    if (isObject(value)) walkObject(value, element, here, out, depth + 1);
    else out.add('structure', `${key} must be a JSON object, found ${jsonKind(value)}`, here);
    return;
  }
  if (!Array.isArray(value)) {
    out.add('structure', `${key} must be a JSON array aligned with ${field.valueKey}, found ${jsonKind(value)}`, here);
    return;
  }
  const values = Object.hasOwn(obj, field.valueKey) ? obj[field.valueKey] : undefined;
  if (Array.isArray(values) && values.length !== value.length) {
    out.add('structure', `${key} must have as many items as ${field.valueKey} (${values.length}), found ${value.length}`, here);
  }
  for (let i = 0; i < value.length && !out.stopped; i++) {
    const item: unknown = value[i];
    if (isObject(item)) walkObject(item, element, `${here}[${i}]`, out, depth + 1);
    else if (present(item)) out.add('structure', `Expected a JSON object or null, found ${jsonKind(item)}`, `${here}[${i}]`);
    else if (!(Array.isArray(values) && present(values[i]))) out.add('structure', 'null is not allowed here', `${here}[${i}]`);
  }
}
