import { FhirError } from '../../core/errors.js';
import { isId } from '../../core/ids.js';
import { isJsonObject } from '../../core/json.js';
import { isResourceType } from '../../core/resource-types.js';
import type { EverythingKey } from '../repository/everything.js';
import { instantParam } from '../request.js';

/*
 * The parameters of Patient/$everything (R4 OperationDefinition Patient-everything): from the
 * query, or for POST from a Parameters body (valueInstant, valueCode/valueString, valueInteger).
 * `_cursor` is ours: where the next page starts, written into the next link.
 */

export interface EverythingParams {
  since: string | undefined;
  types: ReadonlySet<string> | undefined;
  count: number;
  after: EverythingKey | undefined;
  /** The parameters as given, for the links (only those used). */
  used: [string, string][];
  /** Parameters not supported (start, end, unknown): reported as warnings, or 400 under handling=strict. */
  ignored: string[];
}

const USED = new Set(['_since', '_type', '_count', '_cursor']);
/** Answered by the HTTP layer, not by the operation. */
const HTTP = new Set(['_format', '_pretty']);

/** A Parameters resource's parts as name/value strings (the value[x] of a primitive type). */
export function parametersBody(body: unknown): [string, string][] {
  if (body === undefined) return [];
  if (!isJsonObject(body) || body.resourceType !== 'Parameters') throw FhirError.badRequest('POST $everything takes a Parameters resource (or no body)');
  const parts = Array.isArray(body.parameter) ? body.parameter : [];
  return parts.map((p): [string, string] => {
    if (!isJsonObject(p) || typeof p.name !== 'string') throw FhirError.badRequest('Each Parameters.parameter needs a name');
    const key = Object.keys(p).find((k) => k.startsWith('value'));
    const value = key === undefined ? undefined : p[key];
    if (typeof value !== 'string' && typeof value !== 'number') throw FhirError.badRequest(`Parameter ${p.name.slice(0, 40)} needs a primitive value`);
    return [p.name, String(value)];
  });
}

function countOf(raw: string, max: number): number {
  if (!/^[0-9]{1,9}$/.test(raw)) throw FhirError.badRequest(`_count must be a non-negative integer, got "${raw.slice(0, 40)}"`, ['_count']);
  return Math.min(Number(raw), max);
}

function typesOf(values: string[]): ReadonlySet<string> {
  const types = values.flatMap((v) => v.split(',')).map((t) => t.trim()).filter(Boolean);
  for (const t of types) if (!isResourceType(t)) throw FhirError.badRequest(`Unknown resource type "${t.slice(0, 60)}" in _type`, ['_type']);
  return new Set(types);
}

export function encodeCursor(key: EverythingKey): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

function decodeCursor(raw: string): EverythingKey {
  let key: unknown;
  try {
    key = raw.length <= 400 ? JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) : undefined;
  } catch {
    key = undefined;
  }
  if (Array.isArray(key) && key.length === 3) {
    const [rank, type, id] = key;
    if ((rank === 0 || rank === 1) && isResourceType(type) && isId(id)) return [rank, type, id];
  }
  throw FhirError.badRequest('_cursor is not a cursor of this server: follow the next link as given', ['_cursor']);
}

export function parseEverything(params: [string, string][], limits: { maxCount: number; defaultCount: number }, strict: boolean): EverythingParams {
  const values = (name: string) => params.filter(([k]) => k === name).map(([, v]) => v);
  const one = (name: string) => {
    const all = values(name);
    if (all.length > 1) throw FhirError.badRequest(`${name} may be given once`, [name]);
    return all[0];
  };
  const ignored = [...new Set(params.map(([k]) => k).filter((k) => !USED.has(k) && !HTTP.has(k)))];
  if (strict && ignored.length) throw FhirError.badRequest(`Parameter "${ignored[0]!.slice(0, 60)}" of $everything is not supported`, [ignored[0]!.slice(0, 60)]);
  const count = one('_count');
  const cursor = one('_cursor');
  const types = values('_type');
  return {
    since: instantParam(one('_since'), '_since'),
    types: types.length ? typesOf(types) : undefined,
    count: count === undefined ? limits.defaultCount : countOf(count, limits.maxCount),
    after: cursor === undefined ? undefined : decodeCursor(cursor),
    used: params.filter(([k]) => USED.has(k) && k !== '_cursor'),
    ignored,
  };
}
