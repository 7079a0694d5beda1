import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { ADMIN_TOKEN, startTestServer, type TestServer } from '../helpers/app.js';
import { authEnv, bearer, token } from './tokens.helper.js';

/*
 * Issue 12 (d): with token verification on, ADMIN_TOKEN is the operator's key to /admin and to the
 * shared set, not a master key to every tenant's data, unless ADMIN_TOKEN_TENANT_ACCESS says so.
 */

const admin = bearer(ADMIN_TOKEN);
const patient = JSON.stringify({ resourceType: 'Patient', id: 'p1', active: true });
const fhirJson = { 'content-type': 'application/fhir+json' };

async function seed(s: TestServer): Promise<void> {
  await s.createTenants('acme');
  const t = await token({ tenant: 'acme' });
  const put = await s.request('/tenants/acme/fhir/Patient/p1', { method: 'PUT', headers: { ...bearer(t), ...fhirJson }, body: patient });
  expect(put.status).toBe(201);
}

describe('the admin token with token verification on', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer(authEnv);
    await seed(s);
  });
  afterAll(() => s.close());

  it('reaches no tenant data: 403 on /fhir and /tenants/{t}/fhir, reads and writes alike', async () => {
    const answers = [
      await s.request('/fhir/Patient/p1', { headers: { ...admin, 'x-tenant-id': 'acme' } }),
      await s.request('/fhir/Patient?_id=p1', { headers: { ...admin, 'x-tenant-id': 'acme' } }),
      await s.request('/tenants/acme/fhir/Patient/p1', { headers: admin }),
      await s.request('/tenants/acme/fhir/Patient', { headers: admin }),
      await s.request('/tenants/acme/fhir/Patient/p2', { method: 'PUT', headers: { ...admin, ...fhirJson }, body: patient.replace('p1', 'p2') }),
      await s.request('/tenants/acme/fhir', { method: 'POST', headers: { ...admin, ...fhirJson }, body: JSON.stringify({ resourceType: 'Bundle', type: 'batch', entry: [{ request: { method: 'GET', url: 'Patient/p1' } }] }) }),
    ];
    for (const res of answers) {
      expect(res.status).toBe(403);
      const body = await res.json();
      expect(body.resourceType).toBe('OperationOutcome');
      expect(JSON.stringify(body)).not.toContain('"active"');
    }
    // The refused write did not happen.
    const t = await token({ tenant: 'acme' });
    expect((await s.request('/tenants/acme/fhir/Patient/p2', { headers: bearer(t) })).status).toBe(404);
  });

  it('keeps the admin API and the shared set', async () => {
    expect((await s.request('/admin/tenants/acme', { headers: admin })).status).toBe(200);
    const org = JSON.stringify({ resourceType: 'Organization', id: 'org-1', name: 'General' });
    expect((await s.request('/shared/fhir/Organization/org-1', { method: 'PUT', headers: { ...admin, ...fhirJson }, body: org })).status).toBe(201);
    expect((await s.request('/shared/fhir/Organization/org-1', { headers: admin })).status).toBe(200);
  });

  it('is judged the same way by /admin/access/explain', async () => {
    const explain = await s.request('/admin/access/explain', {
      method: 'POST', headers: { ...admin, 'content-type': 'application/json' },
      body: JSON.stringify({ token: ADMIN_TOKEN, method: 'GET', url: '/tenants/acme/fhir/Patient/p1' }),
    });
    expect(explain.status).toBe(200);
    expect((await explain.json()).allowed).toBe(false);
  });

  it('leaves tokens of the tenant as they were', async () => {
    const t = await token({ tenant: 'acme' });
    expect((await s.request('/tenants/acme/fhir/Patient/p1', { headers: bearer(t) })).status).toBe(200);
  });
});

describe('ADMIN_TOKEN_TENANT_ACCESS=true', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({ ...authEnv, ADMIN_TOKEN_TENANT_ACCESS: 'true' });
    await seed(s);
  });
  afterAll(() => s.close());

  it('lets the admin token read tenant data again, on both bases', async () => {
    expect((await s.request('/tenants/acme/fhir/Patient/p1', { headers: admin })).status).toBe(200);
    expect((await s.request('/fhir/Patient/p1', { headers: { ...admin, 'x-tenant-id': 'acme' } })).status).toBe(200);
  });
});

describe('the admin token in gateway mode (no token verification)', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer();
    await s.createTenants('acme');
    await s.fhir('acme', '/Patient/p1', { method: 'PUT', json: JSON.parse(patient) });
  });
  afterAll(() => s.close());

  it('is unchanged: X-Tenant-ID is trusted anyway', async () => {
    expect((await s.request('/fhir/Patient/p1', { headers: { ...admin, 'x-tenant-id': 'acme' } })).status).toBe(200);
  });
});

describe('ADMIN_TOKEN_TENANT_ACCESS', () => {
  it('accepts only true or false', () => {
    expect(() => loadConfig({ ADMIN_TOKEN_TENANT_ACCESS: 'yes' })).toThrow(/true or false/);
  });
});
