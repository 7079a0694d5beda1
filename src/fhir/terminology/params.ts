import { FhirError } from '../../core/errors.js';
import { isJsonObject, type Json, type JsonObject } from '../../core/json.js';
import type { FhirContext } from '../context.js';
import { jsonBody } from '../request.js';

/*
 * The input of a terminology operation, alike for GET (query parameters) and POST (a Parameters
 * resource, plus any query parameters): R4 operations.html#request. In a GET a Coding is
 * written `system|code` (as HAPI accepts it); complex values otherwise come only by POST.
 */

export interface Coding {
  system?: string;
  version?: string;
  code?: string;
  display?: string;
}

const MAX_VALUE = 4096;

function coding(v: Json | undefined): Coding | undefined {
  if (!isJsonObject(v)) return undefined;
  const out: Coding = {};
  for (const k of ['system', 'version', 'code', 'display'] as const) if (typeof v[k] === 'string') out[k] = v[k];
  return out;
}

function primitive(p: JsonObject): string | undefined {
  for (const [k, v] of Object.entries(p)) {
    if (!k.startsWith('value')) continue;
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return String(v);
  }
  return undefined;
}

export class OperationInput {
  private constructor(
    private readonly query: URLSearchParams,
    private readonly parts: JsonObject[],
  ) {}

  static async of(c: FhirContext): Promise<OperationInput> {
    const query = new URL(c.req.url).searchParams;
    if (c.req.method !== 'POST') return new OperationInput(query, []);
    if ((await c.req.text()).trim() === '') return new OperationInput(query, []);
    const body = jsonBody(c, 'a Parameters resource');
    if (!isJsonObject(body) || body.resourceType !== 'Parameters') throw FhirError.badRequest('The body of a terminology operation must be a Parameters resource');
    const parts = Array.isArray(body.parameter) ? body.parameter.filter(isJsonObject) : [];
    return new OperationInput(query, parts);
  }

  private part(name: string): JsonObject | undefined {
    return this.parts.find((p) => p.name === name);
  }

  /** A primitive parameter (string, uri, code, canonical, boolean, integer) as text. */
  string(name: string): string | undefined {
    const p = this.part(name);
    const value = p ? primitive(p) : this.query.get(name) ?? undefined;
    if (value !== undefined && value.length > MAX_VALUE) throw FhirError.badRequest(`Parameter ${name} is longer than ${MAX_VALUE} characters`);
    return value === '' ? undefined : value;
  }

  /** Every value of a repeated primitive parameter. */
  strings(name: string): string[] {
    const fromBody = this.parts.filter((p) => p.name === name).flatMap((p) => primitive(p) ?? []);
    return [...fromBody, ...this.query.getAll(name)].filter((v) => v !== '').slice(0, 100);
  }

  integer(name: string): number | undefined {
    const v = this.string(name);
    if (v === undefined) return undefined;
    if (!/^[0-9]{1,9}$/.test(v)) throw FhirError.badRequest(`Parameter ${name} must be a non-negative integer`);
    return Number(v);
  }

  boolean(name: string): boolean | undefined {
    const v = this.string(name);
    if (v === undefined) return undefined;
    if (v !== 'true' && v !== 'false') throw FhirError.badRequest(`Parameter ${name} must be true or false`);
    return v === 'true';
  }

  /** A Coding: valueCoding in a POST, `system|code` in a query. */
  coding(name: string): Coding | undefined {
    const p = this.part(name);
    if (p) return coding(p.valueCoding);
    const q = this.query.get(name);
    if (q === null) return undefined;
    const bar = q.indexOf('|');
    return bar < 0 ? { code: q } : { system: q.slice(0, bar), code: q.slice(bar + 1) };
  }

  /** The codings of a CodeableConcept parameter (POST only). */
  codings(name: string): Coding[] | undefined {
    const cc = this.part(name)?.valueCodeableConcept;
    if (!isJsonObject(cc)) return undefined;
    return (Array.isArray(cc.coding) ? cc.coding : []).flatMap((c) => coding(c) ?? []).slice(0, 100);
  }

  resource(name: string): JsonObject | undefined {
    const r = this.part(name)?.resource;
    return isJsonObject(r) ? r : undefined;
  }
}

/** A Parameters resource of the operation's output parts. */
export function parameters(parts: JsonObject[]): JsonObject {
  return { resourceType: 'Parameters', parameter: parts };
}
