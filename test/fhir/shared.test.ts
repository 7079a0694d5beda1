import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, startTestServer, type TestServer } from '../helpers/app.js';

let s: TestServer;
const adminHeaders = { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/fhir+json' };
const shared = (path: string, init: RequestInit = {}) => s.request(`/shared/fhir${path}`, init);
const putShared = (type: string, id: string, body: object, headers: Record<string, string> = adminHeaders) =>
  shared(`/${type}/${id}`, { method: 'PUT', headers, body: JSON.stringify({ resourceType: type, id, ...body }) });

beforeAll(async () => {
  s = await startTestServer();
  await s.createTenants('t1', 't2');
  expect((await putShared('Organization', 'org-shared', { name: 'Shared Hospital' })).status).toBe(201);
  expect((await putShared('Practitioner', 'dr-shared', { name: [{ family: 'Shared' }] })).status).toBe(201);
});
afterAll(() => s.close());

describe('the shared set', () => {
  it('is written only with the privileged credential', async () => {
    const body = JSON.stringify({ resourceType: 'Location', name: 'Ward' });
    const anon = await shared('/Location', { method: 'POST', body, headers: { 'content-type': 'application/fhir+json' } });
    expect(anon.status).toBe(403);
    const wrong = await shared('/Location', { method: 'POST', body, headers: { ...adminHeaders, authorization: 'Bearer wrong-token-xxxxxxxx' } });
    expect(wrong.status).toBe(403);
    const admin = await shared('/Location', { method: 'POST', body, headers: adminHeaders });
    expect(admin.status).toBe(201);
    expect(admin.headers.get('location')).toMatch(/\/shared\/fhir\/Location\//);
    expect((await shared('/Organization/org-shared', { method: 'DELETE' })).status).toBe(403);
  });

  it('is read by anyone on /shared/fhir, and holds only shareable types', async () => {
    expect((await shared('/Organization/org-shared')).status).toBe(200);
    expect((await shared('/Patient')).status).toBe(404);
    const list = await (await shared('/Organization')).json();
    expect(list.entry.map((e: { resource: { id: string } }) => e.resource.id)).toContain('org-shared');
  });

  it('is read by every tenant next to its own resources of the type', async () => {
    for (const tenant of ['t1', 't2']) {
      const res = await s.fhir(tenant, '/Organization/org-shared');
      expect(res.status).toBe(200);
      expect((await res.json()).name).toBe('Shared Hospital');
    }
    const own = await (await s.fhir('t1', '/Organization', { json: { resourceType: 'Organization', name: 'T1 clinic' } })).json();
    const t1 = await (await s.fhir('t1', '/Organization')).json();
    expect(t1.entry.map((e: { resource: { id: string } }) => e.resource.id).sort()).toEqual([own.id, 'org-shared'].sort());
    const t2 = await (await s.fhir('t2', '/Organization')).json();
    expect(t2.entry.map((e: { resource: { id: string } }) => e.resource.id)).toEqual(['org-shared']);
    expect((await s.fhir('t2', `/Organization/${own.id}`)).status).toBe(404);
    expect((await shared(`/Organization/${own.id}`)).status).toBe(404);
  });

  it('is referenced by tenant resources; a tenant cannot reference another tenant', async () => {
    const t2Patient = await (await s.fhir('t2', '/Patient', { json: { resourceType: 'Patient' } })).json();
    const ok = await s.fhir('t1', '/Patient', { json: { resourceType: 'Patient', managingOrganization: { reference: 'Organization/org-shared' }, generalPractitioner: [{ reference: 'Practitioner/dr-shared' }] } });
    expect(ok.status).toBe(201);
    const cross = await s.fhir('t1', '/Patient', { json: { resourceType: 'Patient', link: [{ other: { reference: `Patient/${t2Patient.id}` }, type: 'seealso' }] } });
    expect(cross.status).toBe(422);
    expect((await cross.json()).issue[0].expression).toEqual(['Patient.link[0].other.reference']);
    const bogus = await s.fhir('t1', '/Patient', { json: { resourceType: 'Patient', managingOrganization: { reference: 'Nonsense/1' } } });
    expect(bogus.status).toBe(422);
    const external = await s.fhir('t1', '/Patient', { json: { resourceType: 'Patient', managingOrganization: { reference: 'https://elsewhere.example/fhir/Organization/1' } } });
    expect(external.status).toBe(201);
  });

  it('cannot reference tenant data from a shared resource', async () => {
    const own = await (await s.fhir('t1', '/Organization', { json: { resourceType: 'Organization', name: 'Mine' } })).json();
    const res = await putShared('Organization', 'org-child', { partOf: { reference: `Organization/${own.id}` } });
    expect(res.status).toBe(422);
  });

  it('never makes an id ambiguous: 409 for a tenant id the shared set holds, and the reverse', async () => {
    const clash = await s.fhir('t1', '/Organization/org-shared', { method: 'PUT', json: { resourceType: 'Organization', id: 'org-shared', name: 'Mine now' } });
    expect(clash.status).toBe(409);
    expect((await s.fhir('t1', '/Organization/org-shared', { method: 'DELETE' })).status).toBe(409);
    expect((await s.fhir('t1', '/Organization/org-shared')).status).toBe(200);

    expect((await s.fhir('t2', '/Location/loc-t2', { method: 'PUT', json: { resourceType: 'Location', id: 'loc-t2' } })).status).toBe(201);
    const reverse = await putShared('Location', 'loc-t2', { name: 'Taken' });
    expect(reverse.status).toBe(409);
    // Which tenant holds the id is not said.
    const diagnostics: string = (await reverse.json()).issue[0].diagnostics;
    expect(diagnostics).toContain('a tenant');
    expect(diagnostics.replaceAll('loc-t2', '')).not.toContain('t2');
    // Non-shareable types have no such rule: two tenants may both own Patient/same.
    expect((await s.fhir('t1', '/Patient/same', { method: 'PUT', json: { resourceType: 'Patient', id: 'same' } })).status).toBe(201);
    expect((await s.fhir('t2', '/Patient/same', { method: 'PUT', json: { resourceType: 'Patient', id: 'same' } })).status).toBe(201);
  });

  it('keeps versions and history of shared resources, readable from a tenant', async () => {
    await putShared('Organization', 'org-shared', { name: 'Shared Hospital v2' });
    const history = await (await s.fhir('t1', '/Organization/org-shared/_history')).json();
    expect(history.entry).toHaveLength(2);
    expect(history.entry[0].fullUrl).toContain('/fhir/Organization/org-shared');
    expect((await s.fhir('t1', '/Organization/org-shared/_history/1')).status).toBe(200);
  });
});
