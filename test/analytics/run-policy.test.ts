import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, startTestServer, type TestServer } from '../helpers/app.js';
import { authEnv, bearer, token } from '../auth/tokens.helper.js';

/*
 * Issue 12 (e): $run reads what a search of the view's type would return to the caller, no more:
 * access-policy criteria and SMART scopes apply to it exactly as to search. The policy is the
 * README's vitals-only example ("Access policies").
 */

let s: TestServer;
const category = (code: string) => [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code }] }];
const observationView = {
  resourceType: 'ViewDefinition', status: 'active', resource: 'Observation',
  select: [{ column: [{ name: 'id', path: 'id' }, { name: 'code', path: 'code.text' }] }],
};
const patientView = { resourceType: 'ViewDefinition', status: 'active', resource: 'Patient', select: [{ column: [{ name: 'id', path: 'id' }] }] };
const orgView = { resourceType: 'ViewDefinition', status: 'active', resource: 'Organization', select: [{ column: [{ name: 'name', path: 'name' }] }] };

const as = async (client: string, scope: string, method: string, path: string, body?: unknown) => {
  const headers: Record<string, string> = bearer(await token({ tenant: 'acme', client, scope }));
  if (body !== undefined) headers['content-type'] = 'application/fhir+json';
  return s.request(`/tenants/acme/fhir${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
};
const run = (client: string, view: object, scope = 'system/*.cruds') =>
  as(client, scope, 'POST', '/ViewDefinition/$run', { resourceType: 'Parameters', parameter: [{ name: 'viewResource', resource: view }] });
const rows = async (res: Response) => {
  expect(res.status, await res.clone().text()).toBe(200);
  return ((await res.json()) as { code?: string; name?: string }[]).map((r) => r.code ?? r.name).sort();
};

beforeAll(async () => {
  s = await startTestServer(authEnv);
  await s.createTenants('acme');
  const admin = { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' };
  const policy = async (body: object) => expect((await s.request('/admin/access-policies', { method: 'POST', headers: admin, body: JSON.stringify(body) })).status).toBe(201);
  await policy({ id: 'vitals-only', client: 'vitals-app', tenant: 'acme', rules: [
    { resourceTypes: ['Observation'], interactions: ['read', 'search'], tableSet: 'tenant', criteria: 'Observation?category=vital-signs' }] });
  await policy({ id: 'own-orgs', client: 'org-app', tenant: 'acme', rules: [
    { resourceTypes: ['Organization'], interactions: ['read', 'search'], tableSet: 'tenant', criteria: 'Organization?name=Own' }] });
  for (const [code, cat] of [['bp', 'vital-signs'], ['pulse', 'vital-signs'], ['glucose', 'laboratory']] as const) {
    const res = await as('loader', 'system/*.cruds', 'POST', '/Observation', { resourceType: 'Observation', status: 'final', category: category(cat), code: { text: code } });
    expect(res.status).toBe(201);
  }
  expect((await as('loader', 'system/*.cruds', 'POST', '/Observation', { resourceType: 'Observation', status: 'final', code: { text: 'uncategorized' } })).status).toBe(201);
  expect((await as('loader', 'system/*.cruds', 'POST', '/Organization', { resourceType: 'Organization', name: 'Own' })).status).toBe(201);
  expect((await as('loader', 'system/*.cruds', 'POST', '/Organization', { resourceType: 'Organization', name: 'Other' })).status).toBe(201);
  const shared = await s.request('/shared/fhir/Organization/shared-org', { method: 'PUT', headers: { ...admin, 'content-type': 'application/fhir+json' }, body: JSON.stringify({ resourceType: 'Organization', id: 'shared-org', name: 'Shared' }) });
  expect(shared.status).toBe(201);
});
afterAll(() => s.close());

describe('$run under access-policy criteria', () => {
  it('gives the vitals-only client the vital signs only, as its search does', async () => {
    expect(await rows(await run('vitals-app', observationView))).toEqual(['bp', 'pulse']);
    const search = await (await as('vitals-app', 'system/*.cruds', 'GET', '/Observation')).json();
    expect(search.entry.map((e: { resource: { code: { text: string } } }) => e.resource.code.text).sort()).toEqual(['bp', 'pulse']);
  });

  it('leaves a client without a policy unrestricted', async () => {
    expect(await rows(await run('loader', observationView))).toEqual(['bp', 'glucose', 'pulse', 'uncategorized']);
  });

  it('refuses a view of a type the client may not search (403)', async () => {
    const res = await run('vitals-app', patientView);
    expect(res.status).toBe(403);
    expect((await res.json()).resourceType).toBe('OperationOutcome');
  });

  it('applies the criteria to the shared resources of a shareable type too', async () => {
    expect(await rows(await run('org-app', orgView))).toEqual(['Own']);
    expect(await rows(await run('loader', orgView))).toEqual(['Other', 'Own', 'Shared']);
  });
});

describe('$run under SMART scopes', () => {
  it('needs the search right (s) on the type: read alone is 403, and other types are 403', async () => {
    expect((await run('loader', observationView, 'system/Observation.r')).status).toBe(403);
    expect((await run('loader', observationView, 'system/Patient.rs')).status).toBe(403);
    expect(await rows(await run('loader', observationView, 'system/Observation.rs'))).toHaveLength(4);
  });
});
