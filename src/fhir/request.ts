import { FhirError } from '../core/errors.js';
import type { JsonObject } from '../core/json.js';
import { isId } from '../core/ids.js';
import { parseIfMatch } from './interactions/if-match.js';
import { checkResource } from './interactions/resource.js';
import { isResourceType } from '../core/resource-types.js';
import { parseDateRange } from './search/normalize.js';
import type { Deps } from '../env.js';
import type { FhirContext } from './context.js';

const JSON_MEDIA = /^application\/(fhir\+)?json\s*(;|$)/i;

/**
 * The [type] of the URL: an R4 resource type or one of the extra stored types of the extensions
 * (ViewDefinition, always shareable: fhir/extensions.ts), else 404; and one the scope can hold.
 */
export function resourceTypeParam(c: FhirContext, deps: Pick<Deps, 'config' | 'extensions'>): string {
  const type = c.req.param('type') ?? '';
  const extra = deps.extensions.storedTypes.has(type);
  if (!isResourceType(type) && !extra) throw FhirError.notFound(`Unknown resource type "${type}"`);
  if (c.var.scope.kind === 'shared' && !deps.config.sharedResourceTypes.has(type) && !extra) {
    throw FhirError.notFound(`${type} is not a shared resource type on this server`);
  }
  return type;
}

/** The [id] of the URL (R4 §2.1.0.4). */
export function idParam(c: FhirContext, name = 'id'): string {
  const id = c.req.param(name) ?? '';
  if (!isId(id)) throw FhirError.badRequest(`Invalid id "${id.slice(0, 80)}"`);
  return id;
}

export function versionParam(c: FhirContext): number {
  const vid = c.req.param('vid') ?? '';
  if (!/^[1-9][0-9]{0,8}$/.test(vid)) throw FhirError.notFound(`No version "${vid.slice(0, 80)}"`);
  return Number(vid);
}

/**
 * The JSON body (parsed once by src/http/json-body.ts) of a request that takes FHIR JSON: 415 for
 * another media type. `what` says what to send.
 */
export function jsonBody(c: FhirContext, what: string): unknown {
  const media = c.req.header('content-type');
  if (media !== undefined && !JSON_MEDIA.test(media)) {
    throw FhirError.unsupportedMediaType(`Unsupported Content-Type "${media.slice(0, 100)}": send ${what} as application/fhir+json`);
  }
  return c.var.body;
}

/** The resource of a create or update: FHIR JSON, of the type of the URL (interactions/resource.ts). */
export function readResource(c: FhirContext, type: string): JsonObject {
  return checkResource(jsonBody(c, `a ${type}`), type);
}

/** `If-Match: W/"3"` (or "3") → 3; absent → undefined; anything else → 400. */
export function ifMatch(c: FhirContext): number | undefined {
  return parseIfMatch(c.req.header('if-match'), 'If-Match');
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

/** `_count` bounded by the configured maximum. */
export function paging(c: FhirContext, defaults: { defaultCount: number; maxCount: number }): { count: number } {
  return { count: Math.min(nonNegative(c, '_count') ?? defaults.defaultCount, defaults.maxCount) };
}

function nonNegative(c: FhirContext, name: string): number | undefined {
  const raw = c.req.query(name);
  if (raw === undefined) return undefined;
  if (!/^[0-9]{1,9}$/.test(raw)) throw FhirError.badRequest(`${name} must be a non-negative integer, got "${raw.slice(0, 40)}"`, [name]);
  return Number(raw);
}

/**
 * An instant parameter (`_since` of history and $everything, R4 §3.1.0.12): an instant, or a date
 * or dateTime with zone, as the instant it starts at; absent → undefined; else 400.
 */
export function instantParam(raw: string | undefined, name: string): string | undefined {
  if (raw === undefined) return undefined;
  // parseDateRange refuses what Date.parse lets through but PostgreSQL does not (2021-02-29, year 0),
  // and gives the start of a year or a month as an instant PostgreSQL reads (it cannot read "2020").
  const ok = /^\d{4}(-\d{2}(-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?)?)?$/.test(raw);
  const range = ok ? parseDateRange(raw) : null;
  if (range === null) throw FhirError.badRequest(`${name} must be an instant, got "${raw.slice(0, 40)}"`, [name]);
  return range.low;
}
