import { FhirError } from './errors.js';
import { isJsonObject, type JsonObject } from './json.js';
import { isResourceType } from './search/registry.js';
import { isExtraStoredType } from '../analytics/stored-types.js';
import type { FhirContext } from './context.js';

const ID = /^[A-Za-z0-9\-.]{1,64}$/;
const JSON_MEDIA = /^application\/(fhir\+)?json\s*(;|$)/i;

/**
 * The [type] of the URL: an R4 resource type or one of the few extra stored types (ViewDefinition,
 * always shareable: src/analytics/stored-types.ts), else 404; and one the scope can hold.
 */
export function resourceTypeParam(c: FhirContext, sharedTypes: ReadonlySet<string>): string {
  const type = c.req.param('type') ?? '';
  const extra = isExtraStoredType(type);
  if (!isResourceType(type) && !extra) throw FhirError.notFound(`Unknown resource type "${type}"`);
  if (c.var.scope.kind === 'shared' && !sharedTypes.has(type) && !extra) {
    throw FhirError.notFound(`${type} is not a shared resource type on this server`);
  }
  return type;
}

/** R4 §2.1.0.4 id: [A-Za-z0-9\-\.]{1,64}. */
export function idParam(c: FhirContext, name = 'id'): string {
  const id = c.req.param(name) ?? '';
  if (!ID.test(id)) throw FhirError.badRequest(`Invalid id "${id.slice(0, 80)}"`);
  return id;
}

export function versionParam(c: FhirContext): number {
  const vid = c.req.param('vid') ?? '';
  if (!/^[1-9][0-9]{0,8}$/.test(vid)) throw FhirError.notFound(`No version "${vid.slice(0, 80)}"`);
  return Number(vid);
}

/** The JSON resource of the body: media type, JSON syntax, object, resourceType matching the URL. */
export async function readResource(c: FhirContext, type: string): Promise<JsonObject> {
  const media = c.req.header('content-type');
  if (media !== undefined && !JSON_MEDIA.test(media)) {
    throw FhirError.unsupportedMediaType(`Unsupported Content-Type "${media}": send application/fhir+json`);
  }
  const text = await c.req.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw FhirError.badRequest('The body is not valid JSON');
  }
  if (!isJsonObject(body)) throw FhirError.badRequest('The body must be a JSON object (a FHIR resource)');
  if (body.resourceType !== type) {
    throw FhirError.badRequest(`resourceType "${String(body.resourceType)}" in the body does not match "${type}" in the URL`, ['resourceType']);
  }
  if (body.id !== undefined && (typeof body.id !== 'string' || !ID.test(body.id))) {
    throw FhirError.badRequest('Invalid id in the body', ['id']);
  }
  if (body.meta !== undefined && !isJsonObject(body.meta)) throw FhirError.badRequest('meta must be an object', ['meta']);
  return body;
}

/** `If-Match: W/"3"` (or "3") → 3; absent → undefined; anything else → 400. */
export function ifMatch(c: FhirContext): number | undefined {
  const header = c.req.header('if-match');
  if (header === undefined) return undefined;
  const m = /^\s*(?:W\/)?"([1-9][0-9]{0,8})"\s*$/.exec(header);
  if (!m?.[1]) throw FhirError.badRequest(`Invalid If-Match "${header.slice(0, 80)}": expected W/"<versionId>"`);
  return Number(m[1]);
}

export type ReturnPreference = 'minimal' | 'representation' | 'OperationOutcome';

/** `Prefer: return=...` (R4 §3.1.0.8.1); default representation. */
export function returnPreference(c: FhirContext): ReturnPreference {
  const m = /(?:^|[;,\s])return\s*=\s*"?(minimal|representation|OperationOutcome)"?/i.exec(c.req.header('prefer') ?? '');
  const value = m?.[1]?.toLowerCase();
  if (value === 'minimal') return 'minimal';
  if (value === 'operationoutcome') return 'OperationOutcome';
  return 'representation';
}

/** `_count` bounded by the configured maximum; `_offset` for paging links. */
export function paging(c: FhirContext, defaults: { defaultCount: number; maxCount: number }): { count: number; offset: number } {
  return {
    count: Math.min(nonNegative(c, '_count') ?? defaults.defaultCount, defaults.maxCount),
    offset: nonNegative(c, '_offset') ?? 0,
  };
}

function nonNegative(c: FhirContext, name: string): number | undefined {
  const raw = c.req.query(name);
  if (raw === undefined) return undefined;
  if (!/^[0-9]{1,9}$/.test(raw)) throw FhirError.badRequest(`${name} must be a non-negative integer, got "${raw.slice(0, 40)}"`, [name]);
  return Number(raw);
}
