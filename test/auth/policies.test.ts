import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/app.js';
import { authEnv, bearer, token } from './tokens.helper.js';
import { queryAs } from '../analytics/as-role.js';

/* The seed's scenarios: Location readable by all tenants, creatable only by one client; a client
 * restricted to vital-sign Observations cannot reach others by any path. */
let s: TestServer;
const vital = { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] };
const lab = { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'laboratory' }] };
let vitalId = '';
let labId = '';

const as = async (client: string, tenant: string | undefined, method: string, path: string, body?: unknown) => {
  const headers: Record<string, string> = bearer(await token({ tenant, client, scope: 'system/*.cruds' }));
  if (body !== undefined) headers['content-type'] = 'application/fhir+json';
  return s.request(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
};

beforeAll(async () => {
  s = await startTestServer(authEnv);
  await s.createTenants('t1', 't2');
  const policy = (body: object) => s.admin('/access-policies', { json: body });
  expect((await policy({ id: 'loc-writer', client: 'app-a', tenant: '*', rules: [{ resourceTypes: ['Location'], interactions: ['create', 'update'], tableSet: 'shared' }, { resourceTypes: ['*'], interactions: ['read', 'vread', 'search', 'history', 'create', 'update', 'patch', 'delete'], tableSet: 'tenant' }] })).status).toBe(201);
  expect((await policy({ id: 'vitals-only', client: 'vitals-app', tenant: 't1', rules: [
    { resourceTypes: ['Observation'], interactions: ['read', 'vread', 'search', 'history', 'create', 'update'], tableSet: 'tenant', criteria: 'Observation?category=vital-signs' },
    { resourceTypes: ['Patient'], interactions: ['read', 'search'], tableSet: 'tenant' },
  ] })).status).toBe(201);
  const p = await (await as('loader', 't1', 'POST', '/fhir/Patient', { resourceType: 'Patient' })).json();
  vitalId = (await (await as('loader', 't1', 'POST', '/fhir/Observation', { resourceType: 'Observation', status: 'final', category: [vital], code: { text: 'bp' }, subject: { reference: `Patient/${p.id}` } })).json()).id;
  labId = (await (await as('loader', 't1', 'POST', '/fhir/Observation', { resourceType: 'Observation', status: 'final', category: [lab], code: { text: 'glucose' }, subject: { reference: `Patient/${p.id}` } })).json()).id;
});
afterAll(() => s.close());

describe('shared Location: readable by every tenant, created only by app-a', () => {
  it('lets app-a create and update a shared Location, nobody else', async () => {
    const created = await as('app-a', undefined, 'POST', '/shared/fhir/Location', { resourceType: 'Location', name: 'Ward 1' });
    expect(created.status).toBe(201);
    const { id } = await created.json();
    expect((await as('app-b', undefined, 'POST', '/shared/fhir/Location', { resourceType: 'Location', name: 'Ward 2' })).status).toBe(403);
    expect((await as('app-a', undefined, 'DELETE', `/shared/fhir/Location/${id}`)).status).toBe(403);
    for (const [client, tenant] of [['app-b', 't1'], ['app-c', 't2'], ['app-a', 't2']] as const) {
      expect((await as(client, tenant, 'GET', `/fhir/Location/${id}`)).status, `${client}@${tenant}`).toBe(200);
    }
  });
});

describe('a client limited to vital-sign Observations', () => {
  const ids = async (res: Response) => ((await res.json()).entry ?? []).map((e: { resource: { id: string } }) => e.resource.id);

  it('reads and searches only vital signs', async () => {
    expect((await as('vitals-app', 't1', 'GET', `/fhir/Observation/${vitalId}`)).status).toBe(200);
    expect((await as('vitals-app', 't1', 'GET', `/fhir/Observation/${labId}`)).status).toBe(404);
    expect((await as('vitals-app', 't1', 'GET', `/fhir/Observation/${labId}/_history/1`)).status).toBe(404);
    expect(await ids(await as('vitals-app', 't1', 'GET', '/fhir/Observation'))).toEqual([vitalId]);
    expect(await ids(await as('vitals-app', 't1', 'GET', '/fhir/Observation?category=laboratory'))).toEqual([]);
  });

  it('gets no lab Observation through include, revinclude or history', async () => {
    const rev = await (await as('vitals-app', 't1', 'GET', '/fhir/Patient?_revinclude=Observation:subject')).json();
    expect(rev.entry.filter((e: { resource: { resourceType: string } }) => e.resource.resourceType === 'Observation').map((e: { resource: { id: string } }) => e.resource.id)).toEqual([vitalId]);
    const hist = await (await as('vitals-app', 't1', 'GET', '/fhir/Observation/_history')).json();
    expect(hist.entry.map((e: { resource: { id: string } }) => e.resource.id)).toEqual([vitalId]);
    expect((await as('vitals-app', 't1', 'GET', `/fhir/Observation/${labId}/_history`)).status).toBe(404);
  });

  it('cannot write a lab Observation, nor reach one in a transaction', async () => {
    expect((await as('vitals-app', 't1', 'POST', '/fhir/Observation', { resourceType: 'Observation', status: 'final', category: [lab], code: { text: 'x' } })).status).toBe(403);
    expect((await as('vitals-app', 't1', 'POST', '/fhir/Observation', { resourceType: 'Observation', status: 'final', category: [vital], code: { text: 'x' } })).status).toBe(201);
    expect((await as('vitals-app', 't1', 'DELETE', `/fhir/Observation/${labId}`)).status).toBe(403);
    const tx = await as('vitals-app', 't1', 'POST', '/fhir', { resourceType: 'Bundle', type: 'transaction', entry: [{ request: { method: 'GET', url: `Observation/${labId}` } }] });
    expect(tx.status).toBe(404);
    const put = await as('vitals-app', 't1', 'POST', '/fhir', { resourceType: 'Bundle', type: 'transaction', entry: [{ resource: { resourceType: 'Observation', id: labId, status: 'final', category: [vital], code: { text: 'hijack' } }, request: { method: 'PUT', url: `Observation/${labId}` } }] });
    expect(put.status).toBe(404);
    expect((await as('loader', 't1', 'GET', `/fhir/Observation/${labId}`)).status).toBe(200);
    expect((await (await as('loader', 't1', 'GET', `/fhir/Observation/${labId}`)).json()).code.text).toBe('glucose');
  });

  it('is not restricted in another tenant where its policy does not apply', async () => {
    expect((await as('vitals-app', 't2', 'GET', '/fhir/Condition')).status).toBe(200);
  });
});

describe('access policy administration', () => {
  it('validates policies, lists, updates and deletes them, and explains decisions', async () => {
    expect((await s.admin('/access-policies', { json: { id: 'bad', client: 'x', tenant: '*', rules: [{ resourceTypes: ['Nope'], interactions: ['read'] }] } })).status).toBe(400);
    expect((await s.admin('/access-policies', { json: { id: 'bad', client: 'x', tenant: '*', rules: [{ resourceTypes: ['Patient'], interactions: ['fly'] }] } })).status).toBe(400);
    expect((await s.admin('/access-policies', { json: { id: 'bad', client: 'x', tenant: '*', rules: [{ resourceTypes: ['Patient'], interactions: ['read'], criteria: 'Observation?code=1' }] } })).status).toBe(400);
    const list = await (await s.admin('/access-policies')).json();
    expect(list.map((p: { id: string }) => p.id)).toEqual(['loc-writer', 'vitals-only']);
    const explainDenied = await (await s.admin('/access/explain', { json: { token: await token({ tenant: 't1', client: 'vitals-app' }), method: 'DELETE', url: '/tenants/t1/fhir/Observation/1' } })).json();
    expect(explainDenied).toMatchObject({ allowed: false, request: { interaction: 'delete', type: 'Observation', tenant: 't1' } });
    expect(explainDenied.reason).toContain('vitals-only');
    const explainAllowed = await (await s.admin('/access/explain', { json: { token: await token({ tenant: 't1', client: 'vitals-app' }), method: 'GET', url: '/tenants/t1/fhir/Observation?code=1' } })).json();
    expect(explainAllowed).toMatchObject({ allowed: true, policy: 'vitals-only', criteria: ['Observation?category=vital-signs'] });
    expect((await s.admin('/access-policies/temp', { method: 'PUT', json: { client: 'y', tenant: 't2', rules: [{ resourceTypes: ['*'], interactions: ['read'], tableSet: 'tenant' }] } })).status).toBe(200);
    expect((await s.admin('/access-policies/temp', { method: 'DELETE' })).status).toBe(204);
    expect((await s.admin('/access-policies/temp', { method: 'DELETE' })).status).toBe(404);
    const audit = await (await s.admin('/audit')).json();
    expect(audit.map((e: { action: string }) => e.action)).toEqual(expect.arrayContaining(['grant access policy temp', 'revoke access policy temp']));
  });

  it('is the same as the SQL functions operators use', async () => {
    await queryAs(s.tdb, 'fhir_admin', null,
      `select fhir_admin.grant_access_policy('from-psql', 'psql-client', 't2', '{"rules":[{"resourceTypes":["Patient"],"interactions":["read"],"tableSet":"tenant"}]}')`);
    const got = await (await s.admin('/access-policies/from-psql')).json();
    expect(got).toMatchObject({ id: 'from-psql', client: 'psql-client', tenant: 't2' });
    await new Promise((r) => setTimeout(r, 2100)); // the server's policy cache (2 s) sees a psql change after at most that
    expect((await as('psql-client', 't2', 'GET', '/fhir/Patient')).status).toBe(403);
  });
});
