import type { Context } from 'hono';
import { isJsonObject, type JsonObject } from '../core/json.js';
import type { AppFetch, ConsoleEnv } from './env.js';

export interface FhirAnswer {
  status: number;
  headers: Headers;
  /** The JSON answer (a resource, a Bundle or an OperationOutcome); undefined when there was none. */
  body: JsonObject | undefined;
}

/**
 * A request to the FHIR core through the whole app (authentication, the tenant's base, the
 * session, the doors, RLS), with the operator's own credential: the console sees of a tenant
 * exactly what the API would show that credential.
 */
export async function fhirRequest(c: Context<ConsoleEnv>, fetch: AppFetch, path: string, init: { method?: string; body?: string; prefer?: string } = {}): Promise<FhirAnswer> {
  const res = await fhirFetch(c, fetch, path, init);
  const text = await res.text();
  let body: JsonObject | undefined;
  try {
    const parsed: unknown = text === '' ? undefined : JSON.parse(text);
    body = isJsonObject(parsed) ? parsed : undefined;
  } catch {
    body = undefined;
  }
  return { status: res.status, headers: res.headers, body };
}

/** The raw answer (a file to stream on to the browser). */
export function fhirFetch(c: Context<ConsoleEnv>, fetch: AppFetch, path: string, init: { method?: string; body?: string; prefer?: string } = {}): Promise<Response> {
  const headers = new Headers({ authorization: `Bearer ${c.var.session.token}`, accept: 'application/fhir+json' });
  if (init.body !== undefined) headers.set('content-type', 'application/fhir+json');
  if (init.prefer !== undefined) headers.set('prefer', init.prefer);
  return fetch(new Request(new URL(path, new URL(c.req.url).origin), { method: init.method ?? 'GET', headers, body: init.body }));
}

/** The diagnostics of an OperationOutcome answer, for the page. */
export function problem(a: FhirAnswer): string {
  const issues = a.body?.resourceType === 'OperationOutcome' && Array.isArray(a.body.issue) ? a.body.issue : [];
  const texts = issues.map((i) => (isJsonObject(i) && typeof i.diagnostics === 'string' ? i.diagnostics : '')).filter((t) => t !== '');
  return `HTTP ${a.status}${texts.length ? `: ${texts.join('; ')}` : ''}`;
}
