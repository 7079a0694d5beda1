import { FhirError } from '../core/errors.js';
import { isJsonObject } from '../core/json.js';
import { isId } from '../core/ids.js';
import { isResourceType } from '../core/resource-types.js';
import type { Config } from '../config.js';
import { parseSearch } from '../fhir/search/parse.js';

/*
 * The kick-off's parameters (Bulk Data Access IG 2.0.0, export.html#query-parameters), from the
 * query (GET, POST) and from a Parameters body (POST). Anything this server does not do is a 400
 * rather than silently ignored: an export that quietly leaves out what was asked for is worse
 * than a refusal.
 */

export interface ExportParams {
  types: string[] | undefined;
  since: string | undefined;
  /** `Type?query`, as sent. */
  typeFilters: string[];
  /** Patient ids from `patient` (Patient and Group level). */
  patients: string[] | undefined;
}

export const NDJSON_FORMATS: ReadonlySet<string> = new Set(['application/fhir+ndjson', 'application/ndjson', 'ndjson']);
const KNOWN = new Set(['_outputFormat', '_type', '_since', '_typeFilter', 'patient', '_format', '_pretty']);
/** Defined by the IG, not done here. */
const UNSUPPORTED = new Set(['_elements', 'includeAssociatedData', 'organizeOutputBy', 'allowPartialManifests']);
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})$/;
/** Where the next `Type?` of a comma-separated _typeFilter begins (a comma inside a query is a value separator). */
const FILTER_START = /,(?=[A-Z][A-Za-z]{1,63}\?)/;
const MAX_FILTERS = 50;

/** [name, value] pairs: the query's, then a Parameters body's (valueString, valueInstant, valueReference.reference, ...). */
export function paramPairs(query: URLSearchParams, body: unknown): [string, string][] {
  const pairs: [string, string][] = [...query.entries()];
  if (body === undefined) return pairs;
  if (!isJsonObject(body) || body.resourceType !== 'Parameters') throw FhirError.badRequest('POST $export takes a Parameters resource (or no body)');
  for (const p of Array.isArray(body.parameter) ? body.parameter : []) {
    if (!isJsonObject(p) || typeof p.name !== 'string') throw FhirError.badRequest('Every parameter of the Parameters needs a name');
    const value = ['valueString', 'valueInstant', 'valueDateTime', 'valueCode', 'valueUri'].map((k) => p[k]).find((v) => typeof v === 'string')
      ?? (isJsonObject(p.valueReference) ? p.valueReference.reference : undefined);
    if (typeof value !== 'string') throw FhirError.badRequest(`Parameter "${p.name.slice(0, 60)}" needs a string, instant or reference value`);
    pairs.push([p.name, value]);
  }
  return pairs;
}

/** A query value: `+` decodes as a space in a query string, so `application/fhir+ndjson` and `+01:00` arrive so. */
const plus = (v: string) => v.replace(/ /g, '+');

export function parseExportParams(pairs: [string, string][], config: Pick<Config, 'maxSearchParams' | 'maxSearchValues'>): ExportParams {
  const out: ExportParams = { types: undefined, since: undefined, typeFilters: [], patients: undefined };
  for (const [name, raw] of pairs) {
    if (UNSUPPORTED.has(name)) throw new FhirError(400, 'not-supported', `$export parameter ${name} is not supported by this server`);
    if (!KNOWN.has(name)) throw FhirError.badRequest(`Unknown $export parameter "${name.slice(0, 60)}"`);
    if (name === '_outputFormat' && !NDJSON_FORMATS.has(plus(raw))) {
      throw new FhirError(400, 'not-supported', `_outputFormat ${raw.slice(0, 60)} is not supported: this server writes application/fhir+ndjson`);
    }
    if (name === '_since') {
      const v = plus(raw);
      if (!INSTANT.test(v) || Number.isNaN(Date.parse(v))) throw FhirError.badRequest('_since must be a FHIR instant, e.g. 2024-01-01T00:00:00Z');
      out.since = new Date(v).toISOString();
    }
    if (name === '_type') {
      const types = raw.split(',').map((t) => t.trim()).filter(Boolean);
      for (const t of types) if (!isResourceType(t)) throw FhirError.badRequest(`_type names an unknown resource type "${t.slice(0, 64)}"`);
      out.types = [...new Set([...(out.types ?? []), ...types])];
    }
    if (name === '_typeFilter') out.typeFilters.push(...raw.split(FILTER_START).map((f) => f.trim()).filter(Boolean));
    if (name === 'patient') {
      for (const ref of raw.split(',').map((r) => r.trim()).filter(Boolean)) {
        const id = /^Patient\/([^/]+)$/.exec(ref)?.[1];
        if (id === undefined || !isId(id)) throw FhirError.badRequest(`patient must reference a Patient (Patient/{id}), got "${ref.slice(0, 80)}"`);
        out.patients = [...new Set([...(out.patients ?? []), id])];
      }
    }
  }
  if (out.typeFilters.length > MAX_FILTERS) throw new FhirError(400, 'too-costly', `At most ${MAX_FILTERS} _typeFilter queries are accepted`);
  for (const f of out.typeFilters) checkFilter(f, config);
  return out;
}

/** The type a `Type?query` filter is of. */
export function filterType(filter: string): string {
  return filter.slice(0, filter.indexOf('?'));
}

/** A _typeFilter query must be a search this server runs (the same parser and caps as any search). */
function checkFilter(filter: string, config: Pick<Config, 'maxSearchParams' | 'maxSearchValues'>): void {
  const type = filterType(filter);
  if (!filter.includes('?') || !isResourceType(type)) {
    throw FhirError.badRequest(`_typeFilter must be Type?query with a resource type, got "${filter.slice(0, 80)}"`);
  }
  const req = parseSearch([type], [...new URLSearchParams(filter.slice(filter.indexOf('?') + 1)).entries()], {
    defaultCount: 1, maxCount: 1, base: '', strict: true, maxSearchParams: config.maxSearchParams, maxSearchValues: config.maxSearchValues,
  });
  if (req.include.length || req.revinclude.length || req.sort.length || req.summary !== undefined || req.elements !== undefined) {
    throw FhirError.badRequest(`_typeFilter selects resources: _include, _revinclude, _sort, _summary and _elements have no place in "${filter.slice(0, 80)}"`);
  }
}
