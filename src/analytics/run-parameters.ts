import { ID_PATTERN } from '../core/ids.js';
import { FhirError } from '../core/errors.js';
import { isJsonObject, type JsonObject } from '../core/json.js';
import { RUN_LIMIT_DEFAULT, RUN_LIMIT_MAX } from './run-view.js';

/*
 * The input of $run / $viewdefinition-run (SQL on FHIR v2 OperationDefinition
 * ViewDefinitionRun): a Parameters body and/or the query string. Supported: viewResource,
 * viewReference, _format (json | ndjson | csv), header (csv), _limit. The spec's filters
 * (patient, group, _since, source, resource) are refused with 422 rather than ignored, so a
 * client never takes unfiltered rows for filtered ones.
 */

export type RunFormat = 'json' | 'ndjson' | 'csv';

export interface RunRequest {
  view?: JsonObject;
  /** A literal reference: ViewDefinition/{id}, relative or absolute. */
  reference?: string;
  format: RunFormat;
  header: boolean;
  limit: number;
}

const FORMATS: Record<string, RunFormat> = {
  json: 'json', 'application/json': 'json', 'application/fhir+json': 'json',
  ndjson: 'ndjson', 'application/x-ndjson': 'ndjson', 'application/ndjson': 'ndjson',
  csv: 'csv', 'text/csv': 'csv',
};
const UNSUPPORTED = new Set(['patient', 'group', '_since', 'source', 'resource']);
const REFERENCE = new RegExp(`^(?:.*/)?ViewDefinition/(${ID_PATTERN})(?:/_history/[0-9]+)?$`);

function format(raw: unknown): RunFormat {
  const f = typeof raw === 'string' ? FORMATS[raw.trim().toLowerCase()] : undefined;
  if (f === undefined) throw FhirError.badRequest('_format must be json, ndjson or csv', ['_format']);
  return f;
}

function limit(raw: unknown): number {
  const n = typeof raw === 'string' && /^[0-9]{1,9}$/.test(raw) ? Number(raw) : raw;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) {
    throw FhirError.badRequest(`_limit must be a positive integer (at most ${RUN_LIMIT_MAX} rows are returned)`, ['_limit']);
  }
  return Math.min(n, RUN_LIMIT_MAX);
}

function header(raw: unknown): boolean {
  if (raw === true || raw === 'true') return true;
  if (raw === false || raw === 'false') return false;
  throw FhirError.badRequest('header must be true or false', ['header']);
}

/** The one value of a Parameters.parameter, whichever value[x] carries it. */
function valueOf(p: JsonObject): unknown {
  const key = Object.keys(p).find((k) => k.startsWith('value'));
  const v = key === undefined ? undefined : p[key];
  return isJsonObject(v) && typeof v.reference === 'string' ? v.reference : v;
}

export function parseRunRequest(query: URLSearchParams, body: unknown): RunRequest {
  const out: RunRequest = { format: 'json', header: true, limit: RUN_LIMIT_DEFAULT };
  for (const [name, value] of query) {
    if (name === '_format') out.format = format(value);
    else if (name === '_limit') out.limit = limit(value);
    else if (name === 'header') out.header = header(value);
    else if (name === 'viewReference') out.reference = value;
    else if (UNSUPPORTED.has(name)) throw new FhirError(422, 'not-supported', `Parameter ${name} is not supported by this server's $run`);
  }
  if (body === undefined) return out;
  if (!isJsonObject(body) || body.resourceType !== 'Parameters') throw FhirError.badRequest('The body of $run must be a Parameters resource');
  const params = Array.isArray(body.parameter) ? body.parameter : [];
  params.forEach((p, i) => {
    const at = `Parameters.parameter[${i}]`;
    if (!isJsonObject(p) || typeof p.name !== 'string') throw FhirError.badRequest('Each parameter needs a name', [at]);
    if (p.name === 'viewResource') {
      if (!isJsonObject(p.resource) || p.resource.resourceType !== 'ViewDefinition') {
        throw FhirError.badRequest('viewResource must carry a ViewDefinition resource', [`${at}.resource`]);
      }
      out.view = p.resource;
    } else if (p.name === 'viewReference') {
      const v = valueOf(p);
      if (typeof v !== 'string') throw FhirError.badRequest('viewReference must be a reference', [at]);
      out.reference = v;
    } else if (p.name === '_format') out.format = format(valueOf(p));
    else if (p.name === '_limit') out.limit = limit(valueOf(p));
    else if (p.name === 'header') out.header = header(valueOf(p));
    else if (UNSUPPORTED.has(p.name)) throw new FhirError(422, 'not-supported', `Parameter ${p.name} is not supported by this server's $run`, { expression: [at] });
    else throw FhirError.badRequest(`Unknown parameter ${p.name.slice(0, 60)} for $run`, [at]);
  });
  return out;
}

/** The id of the ViewDefinition a viewReference names; only literal references are resolved. */
export function referencedViewId(reference: string): string {
  const m = REFERENCE.exec(reference.trim());
  if (!m?.[1]) throw FhirError.badRequest('viewReference must be a literal reference ViewDefinition/{id}', ['viewReference']);
  return m[1];
}
