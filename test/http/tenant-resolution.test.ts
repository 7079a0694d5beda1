import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/app.js';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
  await s.createTenants('alpha', 'beta', 'frozen');
  await s.admin('/tenants/frozen', { method: 'PATCH', json: { status: 'suspended' } });
});
afterAll(() => s.close());

async function outcomeOf(res: Response, status: number) {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toContain('application/fhir+json');
  const body = await res.json();
  expect(body.resourceType).toBe('OperationOutcome');
  return body;
}

describe('tenant resolution', () => {
  it('takes the tenant from X-Tenant-ID on /fhir and from the URL on /tenants/{tenant}/fhir', async () => {
    const created = await (await s.fhir('alpha', '/Patient', { json: { resourceType: 'Patient' } })).json();
    expect((await s.request(`/tenants/alpha/fhir/Patient/${created.id}`)).status).toBe(200);
    expect((await s.request(`/tenants/beta/fhir/Patient/${created.id}`)).status).toBe(404);
  });

  it('accepts a header that agrees with the URL and refuses one that disagrees (400)', async () => {
    expect((await s.request('/tenants/alpha/fhir/Patient', { headers: { 'x-tenant-id': 'alpha' } })).status).toBe(200);
    await outcomeOf(await s.request('/tenants/alpha/fhir/Patient', { headers: { 'x-tenant-id': 'beta' } }), 400);
  });

  it('answers 400 without a tenant, 400 for a malformed one, 404 for an unknown one, 403 when suspended', async () => {
    await outcomeOf(await s.request('/fhir/Patient'), 400);
    await outcomeOf(await s.request('/fhir/Patient', { headers: { 'x-tenant-id': 'Alpha' } }), 400);
    await outcomeOf(await s.request('/fhir/Patient', { headers: { 'x-tenant-id': 'alpha, beta' } }), 400);
    await outcomeOf(await s.request('/fhir/Patient', { headers: { 'x-tenant-id': "alpha' or '1'='1" } }), 400);
    await outcomeOf(await s.request('/tenants/-bad/fhir/Patient'), 400);
    await outcomeOf(await s.request(`/tenants/${'a'.repeat(64)}/fhir/Patient`), 400);
    const unknown = await outcomeOf(await s.request('/fhir/Patient', { headers: { 'x-tenant-id': 'nobody' } }), 404);
    expect(unknown.issue[0].diagnostics).toContain('nobody');
    await outcomeOf(await s.request('/tenants/nobody/fhir/metadata'), 404);
    await outcomeOf(await s.request('/fhir/Patient', { headers: { 'x-tenant-id': 'frozen' } }), 403);
    await outcomeOf(await s.request('/tenants/frozen/fhir/Patient', { method: 'POST', body: '{"resourceType":"Patient"}', headers: { 'content-type': 'application/fhir+json' } }), 403);
  });

  it('serves a suspended tenant again once resumed, with its data kept', async () => {
    await s.createTenants('pausing');
    const p = await (await s.fhir('pausing', '/Patient', { json: { resourceType: 'Patient' } })).json();
    await s.admin('/tenants/pausing', { method: 'PATCH', json: { status: 'suspended' } });
    expect((await s.fhir('pausing', `/Patient/${p.id}`)).status).toBe(403);
    await s.admin('/tenants/pausing', { method: 'PATCH', json: { status: 'active' } });
    expect((await s.fhir('pausing', `/Patient/${p.id}`)).status).toBe(200);
  });

  it('echoes a sane X-Request-ID and makes one up otherwise', async () => {
    const given = await s.fhir('alpha', '/metadata', { headers: { 'x-request-id': 'req-123' } });
    expect(given.headers.get('x-request-id')).toBe('req-123');
    const made = await s.fhir('alpha', '/metadata', { headers: { 'x-request-id': 'bad id\twith spaces' } });
    expect(made.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});
