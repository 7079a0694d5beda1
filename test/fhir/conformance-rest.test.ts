import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/app.js';

/*
 * REST conformance findings outside search (issue 14, item 9), through HTTP: _summary and
 * _elements on read and vread, a batch with one bad entry URL, If-Match with a tag that is no
 * version, instance-level $validate and its modes, and Preference-Applied on a Bundle.
 */

let s: TestServer;
const SUBSETTED = { system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue', code: 'SUBSETTED' };
type Json = Record<string, unknown> & { meta?: { tag?: unknown[] }; entry?: { resource?: Json; response?: { status: string; outcome?: Json } }[]; issue?: { severity: string; diagnostics?: string }[] };

async function fhir(tenant: string, path: string, init: RequestInit & { json?: unknown } = {}): Promise<{ status: number; headers: Headers; body: Json }> {
  const res = await s.fhir(tenant, path, init);
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : {} };
}
const PATIENT = { resourceType: 'Patient', id: 'p1', gender: 'female', birthDate: '1970-01-01', text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">Ann</div>' }, maritalStatus: { text: 'M' } };
const batch = (type: 'batch' | 'transaction', ...entry: unknown[]) => ({ resourceType: 'Bundle', type, entry });

beforeAll(async () => {
  s = await startTestServer();
  await s.createTenants('acme', 'other');
  expect((await fhir('acme', '/Patient/p1', { method: 'PUT', json: PATIENT })).status).toBe(201);
  expect((await fhir('acme', '/Patient/p1', { method: 'PUT', json: { ...PATIENT, gender: 'other' } })).status).toBe(200);
  expect((await fhir('other', '/Patient/theirs', { method: 'PUT', json: { resourceType: 'Patient', id: 'theirs' } })).status).toBe(201);
});
afterAll(() => s.close());

describe('_summary and _elements on read and vread', () => {
  it('_summary=true keeps the summary elements and tags the resource SUBSETTED', async () => {
    const res = await fhir('acme', '/Patient/p1?_summary=true');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ resourceType: 'Patient', id: 'p1', gender: 'other', birthDate: '1970-01-01' });
    expect(res.body.text).toBeUndefined();
    expect(res.body.maritalStatus).toBeUndefined();
    expect(res.body.meta?.tag).toContainEqual(SUBSETTED);
    expect(res.headers.get('etag')).toBe('W/"2"');
  });

  it('_elements keeps the named elements (and mandatory ones); _summary=text and data; on vread too', async () => {
    const elements = await fhir('acme', '/Patient/p1?_elements=birthDate');
    expect(Object.keys(elements.body).sort()).toEqual(['birthDate', 'id', 'meta', 'resourceType']);
    expect(elements.body.meta?.tag).toContainEqual(SUBSETTED);
    const data = await fhir('acme', '/Patient/p1?_summary=data');
    expect(data.body.text).toBeUndefined();
    expect(data.body.maritalStatus).toEqual({ text: 'M' });
    const text = await fhir('acme', '/Patient/p1?_summary=text');
    expect(text.body.text).toBeDefined();
    expect(text.body.gender).toBeUndefined();
    const old = await fhir('acme', '/Patient/p1/_history/1?_elements=gender');
    expect(old.body).toMatchObject({ gender: 'female', meta: { tag: [SUBSETTED] } });
    expect(old.body.birthDate).toBeUndefined();
  });

  it('_summary=false is the whole resource, untagged; count and unknown values are 400; another tenant\'s is 404', async () => {
    const full = await fhir('acme', '/Patient/p1?_summary=false');
    expect(full.body.maritalStatus).toBeDefined();
    expect(full.body.meta?.tag).toBeUndefined();
    expect((await fhir('acme', '/Patient/p1?_summary=count')).status).toBe(400);
    expect((await fhir('acme', '/Patient/p1?_summary=maybe')).status).toBe(400);
    expect((await fhir('acme', '/Patient/p1?_elements=a.b')).status).toBe(400);
    expect((await fhir('acme', '/Patient/theirs?_summary=true')).status).toBe(404);
  });
});

describe('a Bundle with one bad entry URL', () => {
  const good = { request: { method: 'GET', url: 'Patient/p1' } };
  const create = { request: { method: 'POST', url: 'Patient' }, resource: { resourceType: 'Patient' } };
  const bad = { request: { method: 'GET', url: 'Nonsense/1' } };

  it('in a batch, fails that entry alone with its own OperationOutcome', async () => {
    const res = await fhir('acme', '', { json: batch('batch', good, bad, create, { request: { method: 'PUT', url: 'Patient/$x' }, resource: { resourceType: 'Patient' } }) });
    expect(res.status).toBe(200);
    const statuses = res.body.entry?.map((e) => e.response?.status);
    expect(statuses).toEqual(['200 OK', '400 Bad Request', '201 Created', '400 Bad Request']);
    expect(res.body.entry?.[1]?.response?.outcome).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ severity: 'error' }] });
  });

  it('in a transaction, fails the whole Bundle with 400 naming the entry, and writes nothing', async () => {
    const before = await fhir('acme', '/Patient?_summary=count');
    const res = await fhir('acme', '', { json: batch('transaction', create, bad) });
    expect(res.status).toBe(400);
    expect(res.body.issue?.[0]?.diagnostics).toContain('Bundle.entry[1]');
    expect((await fhir('acme', '/Patient?_summary=count')).body.total).toBe(before.body.total);
  });
});

describe('If-Match', () => {
  it('a tag that is no version can never match: 412; a malformed header is 400', async () => {
    const put = (ifMatch: string) => fhir('acme', '/Patient/p1', { method: 'PUT', headers: { 'if-match': ifMatch }, json: PATIENT });
    expect((await put('W/"abc"')).status).toBe(412);
    expect((await put('"abc"')).status).toBe(412);
    expect((await put('W/"0"')).status).toBe(412);
    expect((await put('W/"1"')).status).toBe(412);
    expect((await put('abc')).status).toBe(400);
    expect((await fhir('acme', '/Patient/p1', { method: 'DELETE', headers: { 'if-match': 'W/"abc"' } })).status).toBe(412);
    expect((await fhir('acme', '/Patient/p1')).body.gender).toBe('other');
  });

  it('in a batch entry, that entry alone is 412', async () => {
    const res = await fhir('acme', '', { json: batch('batch', { request: { method: 'PUT', url: 'Patient/p1', ifMatch: 'W/"abc"' }, resource: PATIENT }, { request: { method: 'GET', url: 'Patient/p1' } }) });
    expect(res.body.entry?.map((e) => e.response?.status)).toEqual(['412 Precondition Failed', '200 OK']);
  });
});

describe('$validate at the instance level', () => {
  const validate = (tenant: string, path: string, json?: unknown, method = 'POST') => fhir(tenant, path, json === undefined ? { method } : { method, json });

  it('mode=update needs the resource\'s id to be the one of the URL', async () => {
    const ok = await validate('acme', '/Patient/p1/$validate?mode=update', PATIENT);
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ severity: 'information' }] });
    expect((await validate('acme', '/Patient/p1/$validate?mode=update', { ...PATIENT, id: 'p2' })).status).toBe(400);
    expect((await validate('acme', '/Patient/p1/$validate?mode=update', { resourceType: 'Patient' })).status).toBe(400);
    const parameters = { resourceType: 'Parameters', parameter: [{ name: 'resource', resource: { ...PATIENT, id: 'p2' } }, { name: 'mode', valueCode: 'update' }] };
    expect((await validate('acme', '/Patient/p1/$validate', parameters)).status).toBe(400);
  });

  it('reports the issues of an invalid resource with 200, and validates the stored one when none is sent', async () => {
    const bad = await validate('acme', '/Patient/p1/$validate?mode=update', { ...PATIENT, gender: 'boy' });
    expect(bad.status).toBe(200);
    expect(bad.body.issue?.[0]?.severity).toBe('error');
    const stored = await validate('acme', '/Patient/p1/$validate', undefined, 'GET');
    expect(stored.status).toBe(200);
    expect(stored.body.issue?.[0]?.severity).toBe('information');
  });

  it('mode=delete checks the resource exists (another tenant\'s does not)', async () => {
    expect((await validate('acme', '/Patient/p1/$validate?mode=delete')).status).toBe(200);
    expect((await validate('acme', '/Patient/nobody/$validate?mode=delete')).status).toBe(404);
    expect((await validate('acme', '/Patient/theirs/$validate?mode=delete')).status).toBe(404);
    expect((await validate('acme', '/Patient/theirs/$validate', undefined, 'GET')).status).toBe(404);
    expect((await fhir('acme', '/Patient/p1')).status).toBe(200);
  });

  it('at the type level, mode=update and mode=delete are 400 (no id); unknown modes are 400', async () => {
    expect((await validate('acme', '/Patient/$validate?mode=update', PATIENT)).status).toBe(400);
    expect((await validate('acme', '/Patient/$validate?mode=delete', PATIENT)).status).toBe(400);
    expect((await validate('acme', '/Patient/$validate?mode=create', { resourceType: 'Patient' })).status).toBe(200);
    expect((await validate('acme', '/Patient/p1/$validate?mode=sideways', PATIENT)).status).toBe(400);
    expect((await validate('acme', '/Patient/p1/$validate?mode=profile', PATIENT)).status).toBe(400);
  });
});

describe('Prefer: return on a Bundle', () => {
  const entries = () => batch('batch', { request: { method: 'POST', url: 'Patient' }, resource: { resourceType: 'Patient' } }, { request: { method: 'GET', url: 'Patient/p1' } });
  const post = (prefer: string) => fhir('acme', '', { headers: { prefer }, json: entries() });

  it('return=minimal: Preference-Applied, no resource for writes, reads keep theirs', async () => {
    const res = await post('return=minimal');
    expect(res.headers.get('preference-applied')).toBe('return=minimal');
    expect(res.body.entry?.[0]?.resource).toBeUndefined();
    expect(res.body.entry?.[0]?.response?.status).toBe('201 Created');
    expect(res.body.entry?.[1]?.resource).toMatchObject({ resourceType: 'Patient', id: 'p1' });
  });

  it('return=OperationOutcome and return=representation say so too', async () => {
    const oo = await post('return=OperationOutcome');
    expect(oo.headers.get('preference-applied')).toBe('return=OperationOutcome');
    expect(oo.body.entry?.[0]?.resource).toBeUndefined();
    expect(oo.body.entry?.[0]?.response?.outcome).toMatchObject({ resourceType: 'OperationOutcome' });
    const full = await post('return=representation');
    expect(full.headers.get('preference-applied')).toBe('return=representation');
    expect(full.body.entry?.[0]?.resource).toMatchObject({ resourceType: 'Patient' });
    const none = await fhir('acme', '', { json: entries() });
    expect(none.headers.get('preference-applied')).toBeNull();
  });
});
