import type { Context } from 'hono';
import { FhirError } from '../fhir/errors.js';
import { isJsonObject, type JsonObject } from '../fhir/json.js';
import { TENANT_ID } from '../core/ids.js';

/** The JSON object body of an admin request; 400 otherwise. */
export async function jsonBody(c: Context): Promise<JsonObject> {
  let body: unknown;
  try {
    body = JSON.parse(await c.req.text());
  } catch {
    throw FhirError.badRequest('The body is not valid JSON');
  }
  if (!isJsonObject(body)) throw FhirError.badRequest('The body must be a JSON object');
  return body;
}

export function tenantId(value: unknown): string {
  if (typeof value !== 'string' || !TENANT_ID.test(value)) {
    throw FhirError.badRequest(`Tenant id must match ${TENANT_ID.source}`, ['id']);
  }
  return value;
}
