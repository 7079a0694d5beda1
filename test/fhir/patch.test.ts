import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/app.js';

let s: TestServer;
const T = 'patching';
beforeAll(async () => {
  s = await startTestServer();
  await s.createTenants(T, 'other');
});
afterAll(() => s.close());

const base = () => ({
  resourceType: 'Patient', active: true, gender: 'female', birthDate: '1970-01-01',
  name: [{ family: 'Chalmers', given: ['Peter', 'James'] }],
  identifier: [{ system: 'http://a', value: '1' }, { system: 'http://b', value: '2' }],
});

async function create(tenant = T) {
  return (await (await s.fhir(tenant, '/Patient', { json: base() })).json()) as { id: string; [k: string]: unknown };
}

const jsonPatch = (tenant: string, path: string, ops: unknown, headers: Record<string, string> = {}) =>
  s.fhir(tenant, path, { method: 'PATCH', body: JSON.stringify(ops), headers: { 'content-type': 'application/json-patch+json', ...headers } });
const fhirPatch = (tenant: string, path: string, ops: object[], headers: Record<string, string> = {}) =>
  s.fhir(tenant, path, { method: 'PATCH', body: JSON.stringify({ resourceType: 'Parameters', parameter: ops.map((part) => ({ name: 'operation', part: Object.entries(part).map(([name, v]) => ({ name, ...(v as object) })) })) }), headers: { 'content-type': 'application/fhir+json', ...headers } });
const str = (v: string) => ({ valueString: v });
const code = (v: string) => ({ valueCode: v });

async function current(id: string) {
  return (await (await s.fhir(T, `/Patient/${id}`)).json()) as Record<string, unknown> & { meta: { versionId: string } };
}

describe('JSON Patch (RFC 6902)', () => {
  it('applies operations, makes a new version, honours If-Match', async () => {
    const p = await create();
    const res = await jsonPatch(T, `/Patient/${p.id}`, [
      { op: 'replace', path: '/gender', value: 'male' },
      { op: 'add', path: '/name/0/given/-', value: 'Jim' },
      { op: 'remove', path: '/identifier/1' },
      { op: 'test', path: '/active', value: true },
    ], { 'if-match': 'W/"1"' });
    expect(res.status).toBe(200);
    expect(res.headers.get('etag')).toBe('W/"2"');
    const after = await current(p.id);
    expect(after.gender).toBe('male');
    expect((after.name as { given: string[] }[])[0]!.given).toEqual(['Peter', 'James', 'Jim']);
    expect(after.identifier).toHaveLength(1);
    expect((await jsonPatch(T, `/Patient/${p.id}`, [{ op: 'replace', path: '/gender', value: 'other' }], { 'if-match': 'W/"1"' })).status).toBe(412);
  });

  it.each([
    ['changes the id', [{ op: 'replace', path: '/id', value: 'other' }], 422],
    ['changes the resourceType', [{ op: 'replace', path: '/resourceType', value: 'Group' }], 422],
    ['changes meta.versionId', [{ op: 'replace', path: '/meta/versionId', value: '9' }], 422],
    ['yields an invalid resource', [{ op: 'replace', path: '/gender', value: 'boy' }], 422],
    ['adds an unknown element', [{ op: 'add', path: '/colour', value: 'blue' }], 422],
    ['fails a test', [{ op: 'test', path: '/gender', value: 'male' }], 422],
    ['names a missing path', [{ op: 'remove', path: '/nothing/here' }], 422],
    ['is not an array', { op: 'remove', path: '/gender' }, 400],
    ['has an unknown op', [{ op: 'frobnicate', path: '/gender' }], 400],
    ['writes to __proto__', [{ op: 'add', path: '/__proto__/polluted', value: 'yes' }], 400],
  ])('is refused when it %s, and nothing changes', async (_what, ops, status) => {
    const p = await create();
    const res = await jsonPatch(T, `/Patient/${p.id}`, ops);
    expect(res.status).toBe(status);
    expect((await res.json()).resourceType).toBe('OperationOutcome');
    const after = await current(p.id);
    expect(after.meta.versionId).toBe('1');
    expect(after.gender).toBe('female');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('FHIRPath Patch (Parameters)', () => {
  it('adds, inserts, replaces, deletes and moves', async () => {
    const p = await create();
    const res = await fhirPatch(T, `/Patient/${p.id}`, [
      { type: code('add'), path: str('Patient'), name: str('deceasedBoolean'), value: { valueBoolean: false } },
      { type: code('add'), path: str('Patient.name[0]'), name: str('prefix'), value: str('Dr') },
      { type: code('insert'), path: str('Patient.name[0].given'), index: { valueInteger: 0 }, value: str('Jim') },
      { type: code('replace'), path: str('Patient.birthDate'), value: { valueDate: '1971-02-03' } },
      { type: code('delete'), path: str("Patient.identifier.where(system = 'http://a')") },
      { type: code('move'), path: str('Patient.name[0].given'), source: { valueInteger: 0 }, destination: { valueInteger: 2 } },
      { type: code('add'), path: str('Patient'), name: str('telecom'), value: { valueContactPoint: { system: 'phone', value: '555' } } },
    ]);
    expect(res.status, await res.clone().text()).toBe(200);
    const after = await current(p.id);
    expect(after.deceasedBoolean).toBe(false);
    expect(after.birthDate).toBe('1971-02-03');
    expect((after.name as { given: string[]; prefix: string[] }[])[0]).toMatchObject({ given: ['Peter', 'James', 'Jim'], prefix: ['Dr'] });
    expect(after.identifier).toEqual([{ system: 'http://b', value: '2' }]);
    expect(after.telecom).toEqual([{ system: 'phone', value: '555' }]);
  });

  it.each([
    ['replaces the id', [{ type: code('replace'), path: str('Patient.id'), value: { valueId: 'x' } }], 422],
    ['matches several elements for replace', [{ type: code('replace'), path: str('Patient.identifier.value'), value: str('3') }], 422],
    ['names an unknown function', [{ type: code('delete'), path: str('Patient.name.exists()') }], 422],
    ['yields an invalid resource', [{ type: code('replace'), path: str('Patient.gender'), value: code('boy') }], 422],
    ['has an unknown type', [{ type: code('transmogrify'), path: str('Patient') }], 422],
    ['starts at another type', [{ type: code('delete'), path: str('Observation.status') }], 422],
  ])('is refused when it %s, and nothing changes', async (_what, ops, status) => {
    const p = await create();
    const res = await fhirPatch(T, `/Patient/${p.id}`, ops);
    expect(res.status).toBe(status);
    expect((await current(p.id)).meta.versionId).toBe('1');
  });

  it('refuses a body that is not a Parameters (400)', async () => {
    const p = await create();
    const res = await s.fhir(T, `/Patient/${p.id}`, { method: 'PATCH', body: JSON.stringify({ resourceType: 'Patient' }), headers: { 'content-type': 'application/fhir+json' } });
    expect(res.status).toBe(400);
  });

  it('refuses a patch in a media type it does not take (415)', async () => {
    const p = await create();
    const xml = await s.fhir(T, `/Patient/${p.id}`, { method: 'PATCH', body: '<x/>', headers: { 'content-type': 'application/xml' } });
    expect(xml.status).toBe(415);
    expect((await xml.json()).resourceType).toBe('OperationOutcome');
  });
});

describe('patch targets', () => {
  it('answers 404 for unknown, 410 for deleted, and never reaches another tenant', async () => {
    expect((await jsonPatch(T, '/Patient/nope', [])).status).toBe(404);
    const p = await create();
    await s.fhir(T, `/Patient/${p.id}`, { method: 'DELETE' });
    expect((await jsonPatch(T, `/Patient/${p.id}`, [])).status).toBe(410);
    const theirs = await create('other');
    expect((await jsonPatch(T, `/Patient/${theirs.id}`, [{ op: 'replace', path: '/gender', value: 'male' }])).status).toBe(404);
    expect((await (await s.fhir('other', `/Patient/${theirs.id}`)).json()).gender).toBe('female');
  });

  it('patches by criteria (conditional patch)', async () => {
    await s.fhir(T, '/Patient', { json: { ...base(), identifier: [{ system: 'http://cp', value: 'one' }] } });
    const res = await jsonPatch(T, '/Patient?identifier=http://cp|one', [{ op: 'replace', path: '/gender', value: 'other' }]);
    expect(res.status).toBe(200);
    expect((await res.json()).gender).toBe('other');
    expect((await jsonPatch(T, '/Patient?identifier=http://cp|none', [])).status).toBe(404);
    expect((await jsonPatch(T, '/Patient?identifier=http://a|1', [])).status).toBe(412);
  });
});
