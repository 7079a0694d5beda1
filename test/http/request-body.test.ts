import { request as httpRequest } from 'node:http';
import { serve, type ServerType } from '@hono/node-server';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { startTestServer, type TestServer } from '../helpers/app.js';

// Bodies as Node's HTTP server hands them over (read from the IncomingMessage, not a fetch
// Request): the limit counted as the bytes arrive, and every handler still gets the body.
let s: TestServer;
let server: ServerType;
let port = 0;
const MAX = 4_000;

beforeAll(async () => {
  s = await startTestServer({ MAX_BODY_BYTES: String(MAX) });
  await s.createTenants('body-a');
  const app = createApp({ db: s.tdb.db, config: s.config, log: pino({ level: 'silent' }) });
  server = await new Promise((resolve) => {
    const srv = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(srv));
  });
  const address = server.address();
  port = typeof address === 'object' && address !== null ? address.port : 0;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await s.close();
});

/** A request over a real socket; `chunks` are written one by one (chunked unless a length is given). */
function send(method: string, path: string, headers: Record<string, string>, chunks: string[]): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method, path, headers: { 'x-tenant-id': 'body-a', ...headers } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    for (const c of chunks) req.write(c);
    req.end();
  });
}

const json = { 'content-type': 'application/fhir+json' };

describe('request bodies over a real socket', () => {
  it('creates from a body sent in several chunks, with and without Content-Length', async () => {
    const text = JSON.stringify({ resourceType: 'Patient', name: [{ family: 'Chunked' }] });
    const parts = [text.slice(0, 10), text.slice(10, 25), text.slice(25)];
    const chunked = await send('POST', '/fhir/Patient', json, parts);
    expect(chunked.status).toBe(201);
    expect(JSON.parse(chunked.body).name[0].family).toBe('Chunked');
    const sized = await send('POST', '/fhir/Patient', { ...json, 'content-length': String(Buffer.byteLength(text)) }, parts);
    expect(sized.status).toBe(201);
  });

  it('keeps multi-byte characters split across chunks whole', async () => {
    const text = JSON.stringify({ resourceType: 'Patient', name: [{ family: 'Müller-Łukasz' }] });
    const bytes = Buffer.from(text);
    const cut = bytes.indexOf(Buffer.from('ü')) + 1; // inside the two bytes of ü
    const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, method: 'POST', path: '/fhir/Patient', headers: { 'x-tenant-id': 'body-a', ...json } }, (r) => {
        let body = '';
        r.setEncoding('utf8');
        r.on('data', (d: string) => (body += d));
        r.on('end', () => resolve({ status: r.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.write(bytes.subarray(0, cut));
      req.end(bytes.subarray(cut));
    });
    expect(res.status).toBe(201);
    expect(JSON.parse(res.body).name[0].family).toBe('Müller-Łukasz');
  });

  it('refuses a body over MAX_BODY_BYTES with 413, announced or streamed, and the answer arrives', async () => {
    const big = JSON.stringify({ resourceType: 'Patient', name: [{ family: 'x'.repeat(MAX) }] });
    const announced = await send('POST', '/fhir/Patient', { ...json, 'content-length': String(Buffer.byteLength(big)) }, [big]);
    expect(announced.status).toBe(413);
    expect(JSON.parse(announced.body)).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'too-costly' }] });
    const streamed = await send('POST', '/fhir/Patient', json, Array.from({ length: 8 }, (_, i) => big.slice(i * 1000, (i + 1) * 1000)).concat(big.slice(8000)));
    expect(streamed.status).toBe(413);
    expect(JSON.parse(streamed.body).resourceType).toBe('OperationOutcome');
    // Nothing was written.
    const found = await (await s.fhir('body-a', '/Patient?family=xxxx')).json();
    expect(found.total ?? found.entry?.length ?? 0).toBe(0);
  });

  it('hands the text to a handler that reads it itself (a form search); refuses bad UTF-8', async () => {
    const form = await send('POST', '/fhir/Patient/_search', { 'content-type': 'application/x-www-form-urlencoded' }, ['family=Chun', 'ked']);
    expect(form.status).toBe(200);
    expect(JSON.parse(form.body).entry.map((e: { resource: { name: { family: string }[] } }) => e.resource.name[0]!.family)).toContain('Chunked');
    // A bad UTF-8 byte is refused before any handler, as with a fetch Request.
    const bad = await new Promise<number>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, method: 'POST', path: '/fhir/Patient', headers: { 'x-tenant-id': 'body-a', ...json } }, (r) => {
        r.resume();
        resolve(r.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end(Buffer.from([0x7b, 0xff, 0x7d]));
    });
    expect(bad).toBe(400);
  });

  it('takes a POST with an empty body as no body (a search of every Patient)', async () => {
    const res = await send('POST', '/fhir/Patient/_search', { 'content-type': 'application/x-www-form-urlencoded', 'content-length': '0' }, []);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body).entry.length).toBe(3); // the three created above
  });
});
