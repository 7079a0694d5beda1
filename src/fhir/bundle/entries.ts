import { FhirError } from '../errors.js';
import { isJsonObject, type JsonObject } from '../json.js';
import { isResourceType } from '../search/registry.js';

/** What one Bundle.entry.request asks for (R4 §3.1.0.11), parsed and checked. */
export type EntryAction =
  | { method: 'POST'; type: string; ifNoneExist?: string }
  | { method: 'PUT'; type: string; id: string }
  | { method: 'PUT'; type: string; criteria: string }
  | { method: 'PATCH'; type: string; id: string }
  | { method: 'DELETE'; type: string; id: string }
  | { method: 'DELETE'; type: string; criteria: string }
  | { method: 'GET'; type: string; id?: string; versionId?: number; query?: string };

export interface ParsedEntry {
  index: number;
  fullUrl?: string;
  resource?: JsonObject;
  action: EntryAction;
  ifMatch?: number;
}

const ID = /^[A-Za-z0-9\-.]{1,64}$/;

export function entryError(index: number, err: unknown): unknown {
  if (!(err instanceof FhirError)) return err;
  const issues = (err.issues ?? err.toOutcome().issue).map((i) => ({ ...i, diagnostics: `Bundle.entry[${index}]: ${i.diagnostics ?? ''}` }));
  return new FhirError(err.status, err.code, `Bundle.entry[${index}]: ${err.message}`, { issues, headers: err.headers });
}

function parseUrl(index: number, method: string, raw: string, base: string): EntryAction {
  const url = raw.startsWith(`${base}/`) ? raw.slice(base.length + 1) : raw.replace(/^\//, '');
  const [path = '', query] = url.split('?', 2) as [string, string | undefined];
  const parts = path.split('/');
  const type = parts[0] ?? '';
  const bad = (why: string) => FhirError.badRequest(`Bundle.entry[${index}].request.url "${raw.slice(0, 100)}": ${why}`);
  if (!isResourceType(type)) throw bad('not a resource type');
  const id = parts[1];
  if (id !== undefined && !ID.test(id)) throw bad('invalid id');
  switch (method) {
    case 'POST':
      if (parts.length !== 1) throw bad('POST takes [type]');
      return { method, type };
    case 'PUT': case 'DELETE': {
      const m = method as 'PUT' | 'DELETE';
      if (parts.length === 2 && query === undefined) return m === 'PUT' ? { method: m, type, id: id! } : { method: m, type, id: id! };
      if (parts.length === 1 && query) return m === 'PUT' ? { method: m, type, criteria: query } : { method: m, type, criteria: query };
      throw bad(`${method} takes [type]/[id] or [type]?criteria`);
    }
    case 'PATCH':
      if (parts.length !== 2) throw bad('PATCH takes [type]/[id]');
      return { method, type, id: id! };
    case 'GET': {
      if (parts.length === 4 && parts[2] === '_history' && /^[1-9][0-9]{0,8}$/.test(parts[3] ?? '')) return { method, type, id, versionId: Number(parts[3]) };
      if (parts.length === 2) return { method, type, id };
      if (parts.length === 1) return { method, type, query: query ?? '' };
      throw bad('GET takes [type]/[id], [type]/[id]/_history/[vid] or [type]?query');
    }
    default:
      throw bad(`method ${method} is not supported`);
  }
}

function ifMatchOf(index: number, raw: unknown): number | undefined {
  if (raw === undefined) return undefined;
  const m = typeof raw === 'string' ? /^\s*(?:W\/)?"([1-9][0-9]{0,8})"\s*$/.exec(raw) : null;
  if (!m?.[1]) throw FhirError.badRequest(`Bundle.entry[${index}].request.ifMatch must be W/"<versionId>"`);
  return Number(m[1]);
}

/** The entries of a transaction or batch Bundle; any malformed entry is a 400 naming it. */
export function parseEntries(bundle: JsonObject, base: string): ParsedEntry[] {
  const entries = bundle.entry ?? [];
  if (!Array.isArray(entries)) throw FhirError.badRequest('Bundle.entry must be an array');
  return entries.map((e, index) => {
    if (!isJsonObject(e) || !isJsonObject(e.request)) throw FhirError.badRequest(`Bundle.entry[${index}] needs a request`);
    const { method, url, ifNoneExist, ifMatch } = e.request;
    if (typeof method !== 'string' || typeof url !== 'string') throw FhirError.badRequest(`Bundle.entry[${index}].request needs method and url`);
    const action = parseUrl(index, method, url, base);
    if (action.method === 'POST' && typeof ifNoneExist === 'string') action.ifNoneExist = ifNoneExist;
    const resource = e.resource;
    if (['POST', 'PUT', 'PATCH'].includes(action.method)) {
      if (!isJsonObject(resource)) throw FhirError.badRequest(`Bundle.entry[${index}] (${method}) needs a resource`);
      if (action.method !== 'PATCH' && resource.resourceType !== action.type) {
        throw FhirError.badRequest(`Bundle.entry[${index}]: resourceType ${String(resource.resourceType)} does not match ${action.type}`);
      }
      if (action.method === 'PUT' && 'id' in action && resource.id !== action.id) {
        throw FhirError.badRequest(`Bundle.entry[${index}]: the resource id must match the id in request.url`);
      }
    }
    const fullUrl = typeof e.fullUrl === 'string' ? e.fullUrl : undefined;
    return { index, fullUrl, resource: isJsonObject(resource) ? resource : undefined, action, ifMatch: ifMatchOf(index, ifMatch) };
  });
}
