import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/app.js';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
  await s.createTenants('strict');
  await s.admin('/tenants', { json: { id: 'bulk', name: 'Bulk loads', config: { validation: false } } });
});
afterAll(() => s.close());

const count = async (tenant: string) => (await (await s.fhir(tenant, '/Patient?_summary=count')).json()).total;

describe('validation of writes', () => {
  it('refuses an invalid create with 400 and issues pointing at the bad elements; nothing is stored', async () => {
    const res = await s.fhir('strict', '/Patient', { json: { resourceType: 'Patient', gender: 'boy', birthDate: '1970-13-01', colour: 'blue' } });
    expect(res.status).toBe(400);
    const oo = await res.json();
    const paths = oo.issue.flatMap((i: { expression?: string[] }) => i.expression ?? []);
    expect(paths).toEqual(expect.arrayContaining(['Patient.gender', 'Patient.birthDate', 'Patient.colour']));
    expect(await count('strict')).toBe(0);
  });

  it('refuses an invalid update the same way, keeping the stored version', async () => {
    const p = await (await s.fhir('strict', '/Patient', { json: { resourceType: 'Patient', gender: 'male' } })).json();
    const res = await s.fhir('strict', `/Patient/${p.id}`, { method: 'PUT', json: { ...p, name: 'not an array of HumanName' } });
    expect(res.status).toBe(400);
    expect((await (await s.fhir('strict', `/Patient/${p.id}`)).json()).meta.versionId).toBe('1');
  });

  it('can be switched off per tenant for bulk loads', async () => {
    const res = await s.fhir('bulk', '/Patient', { json: { resourceType: 'Patient', gender: 'boy' } });
    expect(res.status).toBe(201);
  });
});

describe('$validate', () => {
  it('answers an OperationOutcome without storing anything', async () => {
    const bad = await s.fhir('strict', '/Patient/$validate', { json: { resourceType: 'Patient', gender: 'boy' } });
    expect(bad.status).toBe(200);
    const oo = await bad.json();
    expect(oo.issue[0]).toMatchObject({ severity: 'error', expression: ['Patient.gender'] });
    const good = await s.fhir('strict', '/Patient/$validate', { json: { resourceType: 'Parameters', parameter: [{ name: 'resource', resource: { resourceType: 'Patient', gender: 'male' } }] } });
    expect((await good.json()).issue[0].severity).toBe('information');
    const before = await count('strict');
    expect(await count('strict')).toBe(before);
  });

  it('refuses non-JSON, a resource of another type, and unknown operations', async () => {
    expect((await s.fhir('strict', '/Patient/$validate', { method: 'POST', body: '{', headers: { 'content-type': 'application/fhir+json' } })).status).toBe(400);
    expect((await s.fhir('strict', '/Patient/$validate', { json: { resourceType: 'Observation' } })).status).toBe(400);
    expect((await s.fhir('strict', '/Patient/$frobnicate', { json: { resourceType: 'Patient' } })).status).toBe(404);
    expect((await s.fhir('nobody', '/Patient/$validate', { json: { resourceType: 'Patient' } })).status).toBe(404);
  });

  it('routes operations at every level: an unknown one is 404 naming it, GET $validate is 405', async () => {
    const system = await s.fhir('strict', '/$frobnicate');
    expect(system.status).toBe(404);
    expect(JSON.stringify(await system.json())).toContain('$frobnicate is not supported at the system level');
    const typeGet = await s.fhir('strict', '/Patient/$frobnicate');
    expect(typeGet.status).toBe(404);
    expect(JSON.stringify(await typeGet.json())).toContain('$frobnicate is not supported on Patient');
    expect((await s.fhir('strict', '/Patient/$validate')).status).toBe(405);
  });
});
