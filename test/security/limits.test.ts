import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { startTestServer, type TestServer } from '../helpers/app.js';

/* The request limits the README documents, each enforced at its boundary. */
let s: TestServer;
const T = 'limits';

beforeAll(async () => {
  s = await startTestServer({ MAX_JSON_DEPTH: '10' });
  await s.createTenants(T);
});
afterAll(() => s.close());

async function outcome(res: Response, status: number): Promise<string> {
  const body = await res.json();
  expect(res.status, JSON.stringify(body)).toBe(status);
  expect(body.resourceType).toBe('OperationOutcome');
  return body.issue[0].diagnostics as string;
}

function depthOf(v: unknown): number {
  if (Array.isArray(v)) return 1 + Math.max(0, ...v.map(depthOf));
  if (v !== null && typeof v === 'object') return 1 + Math.max(0, ...Object.values(v).map(depthOf));
  return 0;
}

/** A Patient whose extensions nest `levels` deep: valid FHIR at every level. */
function nestedPatient(levels: number): Record<string, unknown> {
  let ext: Record<string, unknown> = { url: 'http://x', valueString: 'v' };
  for (let i = 1; i < levels; i++) ext = { url: 'http://x', extension: [ext] };
  return { resourceType: 'Patient', extension: [ext] };
}

describe('MAX_JSON_DEPTH', () => {
  it('defaults to 64, well above the deepest R4 example', () => {
    expect(loadConfig({}).maxJsonDepth).toBe(64);
  });

  it('accepts a body at the limit and refuses one a level deeper (413), in every kind of body', async () => {
    const ok = nestedPatient(4);
    const deep = nestedPatient(5);
    expect(depthOf(ok)).toBe(9);
    expect(depthOf(deep)).toBe(11);
    expect((await s.fhir(T, '/Patient', { json: ok })).status).toBe(201);
    expect(await outcome(await s.fhir(T, '/Patient', { json: deep }), 413)).toContain('MAX_JSON_DEPTH');
    await outcome(await s.fhir(T, '/Patient/$validate', { json: deep }), 413);
    await outcome(await s.fhir(T, '/Patient/deep', { method: 'PUT', json: { ...deep, id: 'deep' } }), 413);
    await outcome(await s.fhir(T, '', { json: { resourceType: 'Bundle', type: 'batch', entry: [{ request: { method: 'POST', url: 'Patient' }, resource: ok }] } }), 413);
    await outcome(await s.admin(`/tenants/${T}`, { method: 'PATCH', json: { config: { a: { b: { c: { d: { e: { f: { g: { h: { i: { j: {} } } } } } } } } } } } }), 413);
    expect((await (await s.admin(`/tenants/${T}`)).json()).config).toEqual({});
  });

  it('refuses what used to overflow the stack (a 500) with 413', async () => {
    const depth = 100_000;
    const body = `{"resourceType":"Bundle","type":"transaction","entry":[{"request":{"method":"POST","url":"Patient"},"resource":{"resourceType":"Patient","name":${'['.repeat(depth)}${']'.repeat(depth)}}}]}`;
    await outcome(await s.request(`/tenants/${T}/fhir`, { method: 'POST', headers: { 'content-type': 'application/fhir+json' }, body }), 413);
  });

  it('looks into the JSON Patch a transaction carries in a Binary', async () => {
    const patch = [{ op: 'add', path: '/extension', value: nestedPatient(6).extension }];
    const data = Buffer.from(JSON.stringify(patch)).toString('base64');
    const id = (await (await s.fhir(T, '/Patient', { json: { resourceType: 'Patient' } })).json()).id as string;
    const res = await s.fhir(T, '', { json: { resourceType: 'Bundle', type: 'transaction', entry: [{ request: { method: 'PATCH', url: `Patient/${id}` }, resource: { resourceType: 'Binary', contentType: 'application/json-patch+json', data } }] } });
    expect(await outcome(res, 413)).toContain('MAX_JSON_DEPTH');
  });

  it('counts brackets of the JSON only: not inside strings, not in form posts', async () => {
    const brackets = '[[[[[[[[[[[[[[{{{{{{{{{{{{ \\" [[[[[[[[[[[[[[[';
    expect((await s.fhir(T, '/Patient', { json: { resourceType: 'Patient', name: [{ family: brackets }] } })).status).toBe(201);
    const form = await s.fhir(T, '/Patient/_search', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `name=${encodeURIComponent(brackets)}` });
    expect(form.status).toBe(200);
  });
});
