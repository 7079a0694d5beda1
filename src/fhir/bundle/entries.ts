import { FhirError } from '../../core/errors.js';
import { isJsonObject, type JsonObject } from '../../core/json.js';
import { isId } from '../../core/ids.js';
import { parseIfMatch } from '../interactions/if-match.js';
import { assertIdOfUrl, checkResource } from '../interactions/resource.js';
import { isResourceType } from '../../core/resource-types.js';

/** What a PUT, PATCH or DELETE entry aims at: one id, or the criteria of a conditional interaction. */
export type Target = { kind: 'id'; id: string } | { kind: 'criteria'; criteria: string };

interface EntryBase {
  index: number;
  fullUrl?: string;
  type: string;
}

/** One Bundle.entry (R4 §3.1.0.11), parsed and checked: each method carries exactly its fields. */
export type PostEntry = EntryBase & { method: 'POST'; resource: JsonObject; ifNoneExist?: string };
export type PutEntry = EntryBase & { method: 'PUT'; resource: JsonObject; target: Target; ifMatch?: number };
export type PatchEntry = EntryBase & { method: 'PATCH'; resource: JsonObject; target: Target; ifMatch?: number };
export type DeleteEntry = EntryBase & { method: 'DELETE'; target: Target; ifMatch?: number };
export type GetEntry = EntryBase & { method: 'GET'; read: { id: string; versionId?: number } | { query: string } };
export type ParsedEntry = PostEntry | PutEntry | PatchEntry | DeleteEntry | GetEntry;

export function entryError(index: number, err: unknown): unknown {
  if (!(err instanceof FhirError)) return err;
  const issues = (err.issues ?? err.toOutcome().issue).map((i) => ({ ...i, diagnostics: `Bundle.entry[${index}]: ${i.diagnostics ?? ''}` }));
  return new FhirError(err.status, err.code, `Bundle.entry[${index}]: ${err.message}`, { issues, headers: err.headers });
}

interface EntryUrl {
  type: string;
  /** The path after the type: [] for [type], [id], or [id, '_history', vid]. */
  rest: string[];
  query: string | undefined;
}

function parseUrl(raw: string, base: string, bad: (why: string) => FhirError): EntryUrl {
  const url = raw.startsWith(`${base}/`) ? raw.slice(base.length + 1) : raw.replace(/^\//, '');
  const q = url.indexOf('?');
  const [type = '', ...rest] = (q < 0 ? url : url.slice(0, q)).split('/');
  if (!isResourceType(type)) throw bad('not a resource type');
  if (rest[0] !== undefined && !isId(rest[0])) throw bad('invalid id');
  return { type, rest, query: q < 0 ? undefined : url.slice(q + 1) };
}

/** [type]/[id] or [type]?criteria, the targets of PUT, PATCH and DELETE. */
function targetOf({ rest, query }: EntryUrl, method: string, bad: (why: string) => FhirError): Target {
  const [id] = rest;
  if (rest.length === 1 && id !== undefined && query === undefined) return { kind: 'id', id };
  if (rest.length === 0 && query) return { kind: 'criteria', criteria: query };
  throw bad(`${method} takes [type]/[id] or [type]?criteria`);
}

function getOf({ rest, query }: EntryUrl, bad: (why: string) => FhirError): GetEntry['read'] {
  const [id, history, vid = ''] = rest;
  if (id !== undefined && rest.length === 3 && history === '_history' && /^[1-9][0-9]{0,8}$/.test(vid)) return { id, versionId: Number(vid) };
  if (id !== undefined && rest.length === 1) return { id };
  if (rest.length === 0) return { query: query ?? '' };
  throw bad('GET takes [type]/[id], [type]/[id]/_history/[vid] or [type]?query');
}

function parseEntry(e: unknown, index: number, base: string): ParsedEntry {
  if (!isJsonObject(e) || !isJsonObject(e.request)) throw FhirError.badRequest('the entry needs a request');
  const { method, url, ifNoneExist } = e.request;
  if (typeof method !== 'string' || typeof url !== 'string') throw FhirError.badRequest('request needs method and url');
  const bad = (why: string) => FhirError.badRequest(`request.url "${url.slice(0, 100)}": ${why}`);
  const parsed = parseUrl(url, base, bad);
  const { type } = parsed;
  const common = { index, type, ...(typeof e.fullUrl === 'string' ? { fullUrl: e.fullUrl } : {}) };
  const ifMatch = parseIfMatch(e.request.ifMatch, 'request.ifMatch');
  const resource = (checked: boolean): JsonObject => {
    if (!isJsonObject(e.resource)) throw FhirError.badRequest(`${method} needs a resource`);
    return checked ? checkResource(e.resource, type) : e.resource;
  };
  switch (method) {
    case 'POST':
      if (parsed.rest.length !== 0) throw bad('POST takes [type]');
      return { ...common, method, resource: resource(true), ...(typeof ifNoneExist === 'string' ? { ifNoneExist } : {}) };
    case 'PUT': {
      const target = targetOf(parsed, method, bad);
      const body = resource(true);
      if (target.kind === 'id') assertIdOfUrl(body, target.id);
      return { ...common, method, resource: body, target, ifMatch };
    }
    case 'PATCH':
      // The resource is the patch: a Binary holding a JSON Patch, or a FHIRPath Patch Parameters.
      return { ...common, method, target: targetOf(parsed, method, bad), resource: resource(false), ifMatch };
    case 'DELETE':
      return { ...common, method, target: targetOf(parsed, method, bad), ifMatch };
    case 'GET':
      return { ...common, method, read: getOf(parsed, bad) };
    default:
      throw FhirError.badRequest(`request.method ${method.slice(0, 20)} is not supported`);
  }
}

/** A malformed entry of a batch: answered with its error, while the other entries run. */
export interface InvalidEntry {
  index: number;
  method: 'invalid';
  error: unknown;
}

function entriesOf(bundle: JsonObject): unknown[] {
  const entries = bundle.entry ?? [];
  if (!Array.isArray(entries)) throw FhirError.badRequest('Bundle.entry must be an array');
  return entries;
}

/** The entries of a transaction Bundle; any malformed entry is a 400 naming it, for the whole transaction. */
export function parseEntries(bundle: JsonObject, base: string): ParsedEntry[] {
  return entriesOf(bundle).map((e, index) => {
    try {
      return parseEntry(e, index, base);
    } catch (err) {
      throw entryError(index, err);
    }
  });
}

/** The entries of a batch Bundle: each stands alone (R4 §3.1.0.11.1), a malformed one too. */
export function parseBatchEntries(bundle: JsonObject, base: string): (ParsedEntry | InvalidEntry)[] {
  return entriesOf(bundle).map((e, index) => {
    try {
      return parseEntry(e, index, base);
    } catch (err) {
      return { index, method: 'invalid', error: err };
    }
  });
}
