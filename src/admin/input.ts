import type { Context } from 'hono';
import type { AppEnv } from '../env.js';
import { FhirError } from '../core/errors.js';
import { isJsonObject, type JsonObject } from '../core/json.js';
import { TENANT_ID } from '../core/ids.js';

/** The JSON object body of an admin request (parsed by src/http/json-body.ts); 400 otherwise. */
export function jsonBody(c: Context<AppEnv>): JsonObject {
  const body = c.var.body;
  if (!isJsonObject(body)) throw FhirError.badRequest('The body must be a JSON object');
  return body;
}

export function tenantId(value: unknown): string {
  if (typeof value !== 'string' || !TENANT_ID.test(value)) {
    throw FhirError.badRequest(`Tenant id must match ${TENANT_ID.source}`, ['id']);
  }
  return value;
}
