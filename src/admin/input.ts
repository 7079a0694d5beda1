import type { Context } from 'hono';
import type { AppEnv } from '../env.js';
import { FhirError } from '../core/errors.js';
import { isJsonObject, type JsonObject } from '../core/json.js';
import { TENANT_ID } from '../core/ids.js';
import { isResourceType } from '../core/resource-types.js';

/** The JSON object body of an admin request (parsed by src/http/json-body.ts); 400 otherwise. */
export function jsonBody(c: Context<AppEnv>): JsonObject {
  const body = c.var.body;
  if (!isJsonObject(body)) throw FhirError.badRequest('The body must be a JSON object');
  return body;
}

/*
 * Validators of admin input that carry their own JSON Schema: the route table (routes.ts) parses
 * with them, and the OpenAPI document (openapi.ts) describes with them, so the two cannot drift.
 * A failure is a 400 OperationOutcome naming the field.
 */

export type JsonSchema = Record<string, unknown>;

export interface Input<T> {
  schema: JsonSchema;
  /** False when the field may be absent (the parsed value is then undefined). */
  required: boolean;
  parse(value: unknown, at: string): T;
}

const bad = (message: string, at: string) => FhirError.badRequest(message, [at]);

export function text(o: { pattern?: RegExp; maxLength?: number; description?: string; nonEmpty?: boolean }): Input<string> {
  const schema: JsonSchema = { type: 'string' };
  if (o.pattern) schema.pattern = o.pattern.source;
  if (o.maxLength !== undefined) schema.maxLength = o.maxLength;
  if (o.nonEmpty) schema.minLength = 1;
  if (o.description) schema.description = o.description;
  return {
    schema,
    required: true,
    parse(value, at) {
      const ok = typeof value === 'string' && (!o.nonEmpty || value.trim() !== '') && (o.maxLength === undefined || value.length <= o.maxLength)
        && (o.pattern === undefined || o.pattern.test(value));
      if (!ok) throw bad(o.description ? `${at}: ${o.description}` : `${at} is not valid`, at);
      return value;
    },
  };
}

export function oneOf<T extends string>(values: readonly T[], description?: string): Input<T> {
  return {
    schema: { type: 'string', enum: [...values], ...(description ? { description } : {}) },
    required: true,
    parse(value, at) {
      const found = values.find((v) => v === value);
      if (found === undefined) throw bad(`${at} must be one of ${values.map((v) => `"${v}"`).join(', ')}`, at);
      return found;
    },
  };
}

/** An integer, from JSON or from a query string. */
export function integer(o: { minimum: number; maximum: number; description?: string }): Input<number> {
  return {
    schema: { type: 'integer', minimum: o.minimum, maximum: o.maximum, ...(o.description ? { description: o.description } : {}) },
    required: true,
    parse(value, at) {
      const n = typeof value === 'string' && /^-?\d{1,12}$/.test(value) ? Number(value) : value;
      if (typeof n !== 'number' || !Number.isInteger(n) || n < o.minimum || n > o.maximum) throw bad(`${at} must be an integer ${o.minimum}..${o.maximum}`, at);
      return n;
    },
  };
}

export function boolean(description?: string): Input<boolean> {
  return {
    schema: { type: 'boolean', ...(description ? { description } : {}) },
    required: true,
    parse(value, at) {
      if (typeof value !== 'boolean') throw bad(`${at} must be a boolean`, at);
      return value;
    },
  };
}

/** An instant (ISO 8601 with a time zone), from a query string. */
export function instant(description: string): Input<string> {
  return text({ pattern: /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}:\d{2})$/, description });
}

export function jsonObject(description: string): Input<JsonObject> {
  return {
    schema: { type: 'object', description },
    required: true,
    parse(value, at) {
      if (!isJsonObject(value)) throw bad(`${at} must be a JSON object`, at);
      return value;
    },
  };
}

/** Anything whose own parser already checks it (access policies: auth/policies.ts); the schema describes it. */
export function described<T>(schema: JsonSchema, parse: (value: unknown, at: string) => T): Input<T> {
  return { schema, required: true, parse };
}

export function optional<T>(input: Input<T>): Input<T | undefined> {
  return {
    schema: input.schema,
    required: false,
    // Only an absent member is absent: null is a value, and refused like any other wrong one.
    parse: (value, at) => (value === undefined ? undefined : input.parse(value, at)),
  };
}

type Shape = Record<string, Input<unknown>>;
export type Parsed<S extends Shape> = { [K in keyof S]: S[K] extends Input<infer T> ? T : never };

/** A JSON object of named fields; other members are ignored (as before the table existed). */
export function object<S extends Shape>(fields: S, description?: string): Input<Parsed<S>> {
  const required = Object.entries(fields).filter(([, f]) => f.required).map(([k]) => k);
  return {
    schema: {
      type: 'object',
      ...(description ? { description } : {}),
      properties: Object.fromEntries(Object.entries(fields).map(([k, f]) => [k, f.schema])),
      ...(required.length ? { required } : {}),
    },
    required: true,
    parse(value, at) {
      if (!isJsonObject(value)) throw bad('The body must be a JSON object', at);
      return parseFields(fields, value);
    },
  };
}

/** Each field of `values` through its validator (path parameters, query parameters, bodies). */
export function parseFields<S extends Shape>(fields: S, values: Record<string, unknown>): Parsed<S> {
  const out: Record<string, unknown> = {};
  for (const [k, f] of Object.entries(fields)) out[k] = f.parse(values[k], k);
  // Each value went through the validator of its own key, which is what Parsed<S> says.
  return out as Parsed<S>;
}

export const TENANT = text({ pattern: TENANT_ID, description: `a tenant id matching ${TENANT_ID.source}` });

/** Kept for callers outside the table: the tenant id rule, 400 otherwise. */
export function tenantId(value: unknown): string {
  if (typeof value !== 'string' || !TENANT_ID.test(value)) {
    throw FhirError.badRequest(`Tenant id must match ${TENANT_ID.source}`, ['id']);
  }
  return value;
}

const positive = (description: string): JsonSchema => ({ type: 'number', exclusiveMinimum: 0, description });

/**
 * A tenant's configuration: the keys the server reads (fhir/tenant-settings.ts) are checked here,
 * so a typo such as `"resourceTypes": "Patient"` is a 400 naming the key instead of a setting
 * silently ignored; other keys are kept as the operator's notes.
 */
export const TENANT_CONFIG: Input<JsonObject> = described({
  type: 'object',
  description: 'the tenant configuration; other keys are kept as notes',
  properties: {
    resourceTypes: { type: 'array', items: { type: 'string' }, description: 'only these R4 types exist for the tenant' },
    validation: { type: 'boolean', description: 'structural validation of writes (default true)' },
    referentialIntegrity: { type: 'boolean', description: 'references must resolve (default true)' },
    maxCount: positive('largest _count of a search'),
    maxBundleEntries: positive('most entries of a batch or transaction'),
    rateLimit: {
      type: 'object',
      properties: { requestsPerSecond: positive('sustained requests per second'), burst: positive('bucket size') },
      required: ['requestsPerSecond'],
    },
  },
}, (value, at) => {
  if (!isJsonObject(value)) throw bad(`${at} must be a JSON object`, at);
  const positiveAt = (v: unknown, key: string) => {
    if (v !== undefined && !(typeof v === 'number' && Number.isFinite(v) && v > 0)) throw bad(`${key} must be a number above 0`, key);
  };
  const types = value.resourceTypes;
  if (types !== undefined && (!Array.isArray(types) || types.some((t) => typeof t !== 'string' || !isResourceType(t)))) {
    throw bad(`${at}.resourceTypes must be an array of R4 resource types`, `${at}.resourceTypes`);
  }
  for (const key of ['validation', 'referentialIntegrity'] as const) {
    if (value[key] !== undefined && typeof value[key] !== 'boolean') throw bad(`${at}.${key} must be true or false`, `${at}.${key}`);
  }
  positiveAt(value.maxCount, `${at}.maxCount`);
  positiveAt(value.maxBundleEntries, `${at}.maxBundleEntries`);
  const rl = value.rateLimit;
  if (rl !== undefined) {
    if (!isJsonObject(rl) || rl.requestsPerSecond === undefined) throw bad(`${at}.rateLimit must be {requestsPerSecond, burst?}`, `${at}.rateLimit`);
    positiveAt(rl.requestsPerSecond, `${at}.rateLimit.requestsPerSecond`);
    positiveAt(rl.burst, `${at}.rateLimit.burst`);
  }
  return value;
});
