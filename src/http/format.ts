import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../env.js';
import { FhirError } from '../core/errors.js';

const JSON_TYPES = new Set(['application/fhir+json', 'application/json', 'json', '*/*', 'application/*']);
// R4 §3.1.0.1.10: the fhirVersion parameter names major.minor; 4.0.1 is the same version.
const R4 = /^4\.0(?:\.[0-9]+)?$/;
const JSON_RESPONSE = /^application\/(?:fhir\+)?json/i;

interface MediaRange {
  type: string;
  q: number;
  fhirVersion: string | undefined;
}

function mediaRange(text: string): MediaRange {
  const [type = '', ...params] = text.split(';').map((s) => s.trim());
  let q = 1;
  let fhirVersion: string | undefined;
  for (const param of params) {
    const [name = '', value = ''] = param.split('=').map((s) => s.trim().replace(/^"|"$/g, ''));
    if (name.toLowerCase() === 'q') q = Number(value) || 0;
    if (name.toLowerCase() === 'fhirversion') fhirVersion = value;
  }
  return { type: type.toLowerCase(), q, fhirVersion };
}

const isJson = (r: MediaRange) => r.q > 0 && JSON_TYPES.has(r.type) && (r.fhirVersion === undefined || R4.test(r.fhirVersion));

/**
 * Which representation the client asked for (R4 §3.1.0.1.10): `_format` first, else Accept.
 * This server writes FHIR JSON only, so anything that excludes it is 406: XML, Turtle, unknown
 * types, another FHIR version. Absent, `*\/*` and the JSON forms are all fine.
 */
export function acceptsFhirJson(format: string | undefined, accept: string | undefined): boolean {
  // In a query string `+` decodes as a space: `_format=application/fhir+json` arrives so.
  if (format !== undefined) return isJson(mediaRange(format.replace(/ /g, '+')));
  if (accept === undefined || accept.trim() === '') return true;
  return accept.split(',').map(mediaRange).some(isJson);
}

/**
 * `_format`/Accept negotiation and `_pretty` on a FHIR base. `skip`: the last path segments
 * (operation names, e.g. `$run`) that own their formats (SQL on FHIR $run: csv, ndjson, json)
 * and are left alone.
 */
export function negotiate(skip: ReadonlySet<string>): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const path = c.req.path;
    if (skip.has(path.slice(path.lastIndexOf('/') + 1))) return next();
    if (!acceptsFhirJson(c.req.query('_format'), c.req.header('accept'))) {
      throw new FhirError(406, 'not-supported', 'This server answers in application/fhir+json (FHIR R4, fhirVersion=4.0) only');
    }
    await next();
    if (c.req.query('_pretty') !== 'true' || !JSON_RESPONSE.test(c.res.headers.get('content-type') ?? '') || c.res.body === null) return;
    const text = await c.res.text();
    let pretty = text;
    try {
      pretty = JSON.stringify(JSON.parse(text), null, 2);
    } catch {
      // Not JSON after all: sent as it was.
    }
    c.res = new Response(pretty, c.res);
    c.res.headers.delete('content-length');
  };
}
