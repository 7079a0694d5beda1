import { gunzipSync, brotliDecompressSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, startTestServer, type TestServer } from '../helpers/app.js';

/*
 * The HTTP conventions of issue 14 item 3, through app.request on both backends: CORS, gzip/br,
 * _format/Accept negotiation, _pretty, Preference-Applied, conditional read (304).
 */

const ALLOWED = 'https://app.example.org';
let s: TestServer;
let patientId = '';

beforeAll(async () => {
  s = await startTestServer({ CORS_ORIGINS: `${ALLOWED}, https://other.example.org` });
  await s.createTenants('conv');
  const res = await s.fhir('conv', '/Patient', { json: { resourceType: 'Patient', name: [{ family: 'Conventions' }] } });
  expect(res.status).toBe(201);
  patientId = (await res.json()).id;
  const bundle = {
    resourceType: 'Bundle',
    type: 'batch',
    entry: Array.from({ length: 200 }, (_, i) => ({
      request: { method: 'POST', url: 'Observation' },
      resource: {
        resourceType: 'Observation', status: 'final', subject: { reference: `Patient/${patientId}` },
        code: { coding: [{ system: 'http://loinc.org', code: '8867-4', display: 'Heart rate' }] },
        valueQuantity: { value: 60 + (i % 40), unit: 'beats/minute', system: 'http://unitsofmeasure.org', code: '/min' },
        effectiveDateTime: `2024-01-${String((i % 28) + 1).padStart(2, '0')}T10:00:00Z`,
      },
    })),
  };
  expect((await s.fhir('conv', '/', { json: bundle })).status).toBe(200);
});
afterAll(() => s.close());

const preflight = (origin: string, path = '/tenants/conv/fhir/Patient') => s.request(path, {
  method: 'OPTIONS',
  headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type, x-tenant-id' },
});

describe('CORS', () => {
  it('answers a preflight from an allowed origin with 204, without a token', async () => {
    const res = await preflight(ALLOWED, '/tenants/conv/fhir/Patient/x');
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    expect(res.headers.get('access-control-allow-credentials')).toBe('true');
    expect(res.headers.get('vary')).toContain('Origin');
    for (const h of ['Authorization', 'Content-Type', 'X-Tenant-ID', 'If-Match', 'If-None-Exist', 'If-None-Match', 'Prefer']) {
      expect(res.headers.get('access-control-allow-headers')).toContain(h);
    }
    expect(res.headers.get('access-control-allow-methods')).toContain('PATCH');
    expect(Number(res.headers.get('access-control-max-age'))).toBeGreaterThan(0);
  });

  it('gives a disallowed origin no CORS headers, and answers its request as usual', async () => {
    const pre = await preflight('https://evil.example.com');
    expect(pre.headers.get('access-control-allow-origin')).toBeNull();
    expect(pre.status).toBe(405);
    const res = await s.fhir('conv', `/Patient/${patientId}`, { headers: { origin: 'https://evil.example.com' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    expect(res.headers.get('access-control-expose-headers')).toBeNull();
  });

  it('echoes the allowed origin on real requests and exposes the headers a client reads', async () => {
    const res = await s.fhir('conv', `/Patient/${patientId}`, { headers: { origin: ALLOWED } });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    for (const h of ['ETag', 'Location', 'Last-Modified', 'Content-Location', 'X-Progress', 'Retry-After']) {
      expect(res.headers.get('access-control-expose-headers')).toContain(h);
    }
    // Errors carry the headers too, so the browser lets the app read the OperationOutcome.
    const missing = await s.fhir('conv', '/Patient/nope', { headers: { origin: ALLOWED } });
    expect(missing.status).toBe(404);
    expect(missing.headers.get('access-control-allow-origin')).toBe(ALLOWED);
  });

  it('sends no CORS headers at all when CORS_ORIGINS is unset, and never * with credentials', async () => {
    const plain = await startTestServer();
    try {
      const res = await plain.request('/tenants/conv/fhir/Patient', { method: 'OPTIONS', headers: { origin: ALLOWED, 'access-control-request-method': 'GET' } });
      expect(res.status).toBe(405);
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
    } finally {
      await plain.close();
    }
    const any = await startTestServer({ CORS_ORIGINS: '*' });
    try {
      const res = await any.request('/fhir/Patient', { method: 'OPTIONS', headers: { origin: ALLOWED, 'access-control-request-method': 'GET' } });
      expect(res.status).toBe(204);
      expect(res.headers.get('access-control-allow-origin')).toBe('*');
      expect(res.headers.get('access-control-allow-credentials')).toBeNull();
    } finally {
      await any.close();
    }
  });
});

describe('compression', () => {
  const search = (encoding?: string) => s.fhir('conv', '/Observation?_count=200', encoding ? { headers: { 'accept-encoding': encoding } } : {});

  it('gzips and brotli-compresses a large searchset, and sends it as is to clients that do not ask', async () => {
    const plain = await search();
    const text = await plain.text();
    expect(plain.headers.get('content-encoding')).toBeNull();
    expect(JSON.parse(text).entry).toHaveLength(200);

    const gz = await search('gzip');
    expect(gz.headers.get('content-encoding')).toBe('gzip');
    expect(gz.headers.get('vary')).toContain('Accept-Encoding');
    const gzBytes = Buffer.from(await gz.arrayBuffer());
    const entries = (json: string) => JSON.stringify(JSON.parse(json).entry);
    expect(entries(gunzipSync(gzBytes).toString()) === entries(text)).toBe(true);

    const br = await search('gzip, deflate, br');
    expect(br.headers.get('content-encoding')).toBe('br');
    const brBytes = Buffer.from(await br.arrayBuffer());
    expect(entries(brotliDecompressSync(brBytes).toString()) === entries(text)).toBe(true);

    const weighted = await search('br;q=0.5, gzip');
    expect(weighted.headers.get('content-encoding')).toBe('gzip');
    await weighted.arrayBuffer();
    expect(gzBytes.length).toBeLessThan(text.length / 5);
    // Sizes for the README (issue 14: 223 KB uncompressed for 200 Observations).
    console.log(`200-Observation searchset: ${Buffer.byteLength(text)} B plain, ${gzBytes.length} B gzip, ${brBytes.length} B br`);
  });

  it('leaves small bodies and refused encodings alone', async () => {
    const small = await s.fhir('conv', `/Patient/${patientId}`, { headers: { 'accept-encoding': 'gzip' } });
    expect(small.headers.get('content-encoding')).toBeNull();
    expect((await small.json()).id).toBe(patientId);
    const refused = await search('gzip;q=0, br;q=0');
    expect(refused.headers.get('content-encoding')).toBeNull();
    expect((await refused.json()).entry).toHaveLength(200);
  });

  it('keeps the streamed admin NDJSON export whole', async () => {
    const plain = await (await s.request('/admin/tenants/conv/$export', { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).text();
    const res = await s.request('/admin/tenants/conv/$export', { headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'accept-encoding': 'gzip' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-encoding')).toBe('gzip');
    const lines = gunzipSync(Buffer.from(await res.arrayBuffer())).toString().trim().split('\n');
    expect(lines).toHaveLength(201);
    expect(lines.join('\n') === plain.trim()).toBe(true);
  });
});

describe('_format and Accept', () => {
  const read = (query = '', headers: Record<string, string> = {}) => s.fhir('conv', `/Patient/${patientId}${query}`, { headers });

  it.each([
    ['', {}], ['?_format=json', {}], ['?_format=application/fhir+json', {}], ['?_format=application/json', {}],
    ['', { accept: 'application/fhir+json' }], ['', { accept: 'application/json' }], ['', { accept: '*/*' }],
    ['', { accept: 'application/fhir+json; fhirVersion=4.0' }], ['', { accept: 'text/html, application/xml;q=0.9, */*;q=0.8' }],
    ['?_format=json', { accept: 'application/fhir+xml' }],
  ])('accepts JSON forms: %s %j', async (query, headers) => {
    const res = await read(query, headers);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/fhir+json');
  });

  it.each([
    ['?_format=xml', {}], ['?_format=application/fhir+xml', {}], ['?_format=text/xml', {}], ['?_format=ttl', {}],
    ['?_format=text/turtle', {}], ['?_format=html', {}], ['', { accept: 'application/fhir+xml' }], ['', { accept: 'text/turtle' }],
    ['', { accept: 'application/fhir+json; fhirVersion=3.0' }], ['', { accept: 'application/fhir+json;q=0, application/fhir+xml' }],
    ['?_format=application/fhir+json;fhirVersion=5.0', {}],
  ])('refuses with 406 OperationOutcome: %s %j', async (query, headers) => {
    const res = await read(query, headers);
    expect(res.status).toBe(406);
    const body = await res.json();
    expect(body.resourceType).toBe('OperationOutcome');
    expect(body.issue[0].code).toBe('not-supported');
  });

  it('negotiates on search, metadata and the other bases too', async () => {
    expect((await s.fhir('conv', '/Observation?_format=xml')).status).toBe(406);
    expect((await s.fhir('conv', '/metadata', { headers: { accept: 'application/fhir+xml' } })).status).toBe(406);
    expect((await s.request('/tenants/conv/fhir/Patient?_format=ttl')).status).toBe(406);
    expect((await s.request('/shared/fhir/Organization?_format=xml')).status).toBe(406);
  });

  it('indents JSON with _pretty=true', async () => {
    const pretty = await read('?_pretty=true');
    const text = await pretty.text();
    expect(text).toContain('\n  "resourceType": "Patient"');
    expect(pretty.headers.get('etag')).toBe('W/"1"');
    const compact = await (await read('?_pretty=false')).text();
    expect(compact).not.toContain('\n');
    expect(JSON.parse(text)).toEqual(JSON.parse(compact));
  });
});

describe('Preference-Applied', () => {
  it('names the return preference a write honoured', async () => {
    const minimal = await s.fhir('conv', '/Patient', { json: { resourceType: 'Patient' }, headers: { prefer: 'return=minimal' } });
    expect(minimal.status).toBe(201);
    expect(minimal.headers.get('preference-applied')).toBe('return=minimal');
    const oo = await s.fhir('conv', `/Patient/${patientId}`, { method: 'PUT', json: { resourceType: 'Patient', id: patientId, name: [{ family: 'Conventions' }] }, headers: { prefer: 'return=OperationOutcome' } });
    expect(oo.status).toBe(200);
    expect(oo.headers.get('preference-applied')).toBe('return=OperationOutcome');
    const none = await s.fhir('conv', '/Patient', { json: { resourceType: 'Patient' } });
    expect(none.headers.get('preference-applied')).toBeNull();
  });

  it('names the handling preference a search honoured', async () => {
    const lenient = await s.fhir('conv', '/Patient?nonsense=1', { headers: { prefer: 'handling=lenient' } });
    expect(lenient.status).toBe(200);
    expect(lenient.headers.get('preference-applied')).toBe('handling=lenient');
    const strict = await s.fhir('conv', '/Patient?family=Conventions', { headers: { prefer: 'handling=strict' } });
    expect(strict.status).toBe(200);
    expect(strict.headers.get('preference-applied')).toBe('handling=strict');
    expect((await s.fhir('conv', '/Patient?nonsense=1', { headers: { prefer: 'handling=strict' } })).status).toBe(400);
  });
});

describe('conditional read', () => {
  // The patient was updated once above (PUT): version 2 from here on.
  const current = async () => {
    const res = await s.fhir('conv', `/Patient/${patientId}`);
    return { etag: res.headers.get('etag') ?? '', lastModified: res.headers.get('last-modified') ?? '' };
  };

  it('answers 304 without a body when If-None-Match names the current version', async () => {
    const { etag } = await current();
    const res = await s.fhir('conv', `/Patient/${patientId}`, { headers: { 'if-none-match': etag } });
    expect(res.status).toBe(304);
    expect(await res.text()).toBe('');
    expect(res.headers.get('etag')).toBe(etag);
    const other = await s.fhir('conv', `/Patient/${patientId}`, { headers: { 'if-none-match': 'W/"1"' } });
    expect(other.status).toBe(200);
    expect((await other.json()).id).toBe(patientId);
  });

  it('answers 304 on vread of the named version', async () => {
    const res = await s.fhir('conv', `/Patient/${patientId}/_history/1`, { headers: { 'if-none-match': 'W/"1"' } });
    expect(res.status).toBe(304);
    expect(res.headers.get('etag')).toBe('W/"1"');
  });

  it('answers 304 to If-Modified-Since not before the last change, 200 before it', async () => {
    const { etag, lastModified } = await current();
    const same = await s.fhir('conv', `/Patient/${patientId}`, { headers: { 'if-modified-since': lastModified } });
    expect(same.status).toBe(304);
    expect(same.headers.get('etag')).toBe(etag);
    const earlier = new Date(Date.parse(lastModified) - 60_000).toUTCString();
    expect((await s.fhir('conv', `/Patient/${patientId}`, { headers: { 'if-modified-since': earlier } })).status).toBe(200);
    expect((await s.fhir('conv', `/Patient/${patientId}`, { headers: { 'if-modified-since': 'not a date' } })).status).toBe(200);
    // If-None-Match decides when both are sent (RFC 7232 §6).
    const both = await s.fhir('conv', `/Patient/${patientId}`, { headers: { 'if-none-match': 'W/"1"', 'if-modified-since': lastModified } });
    expect(both.status).toBe(200);
  });
});

describe('formats an operation owns', () => {
  const view = { resourceType: 'ViewDefinition', status: 'active', resource: 'Patient', select: [{ column: [{ name: 'id', path: 'id' }] }] };
  const run = (query: string, headers: Record<string, string> = {}) =>
    s.fhir('conv', `/ViewDefinition/$run${query}`, { json: { resourceType: 'Parameters', parameter: [{ name: 'viewResource', resource: view }] }, headers });

  it('leaves $run its own _format values (csv, ndjson, json) and Accept', async () => {
    const csv = await run('?_format=csv', { accept: 'text/csv' });
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toContain('text/csv');
    expect((await csv.text()).split('\r\n')[0]).toBe('id');
    const ndjson = await run('?_format=ndjson&_pretty=true');
    expect(ndjson.status).toBe(200);
    expect(ndjson.headers.get('content-type')).toContain('ndjson');
    expect((await ndjson.text()).trim().split('\n').length).toBeGreaterThan(0);
    const json = await run('?_format=json&_pretty=true');
    expect(json.status).toBe(200);
    expect(await json.text()).not.toContain('\n');
    expect((await run('?_format=xml')).status).toBe(400);
  });
});
