import { serve, type ServerType } from '@hono/node-server';
import { MedplumClient } from '@medplum/core';
import type { Bundle } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, startTestServer, type TestServer } from '../helpers/app.js';
import { authEnv, bearer, token } from '../auth/tokens.helper.js';
import { createApp } from '../../src/app.js';
import { pino } from 'pino';
import { readBundle, syntheaFiles } from '../fixtures/synthea.js';

/*
 * Patient/$everything and compartment search (Patient/{id}/*, POST .../_search), through HTTP:
 * the compartment plus what it refers to (a shared Practitioner included), another tenant's
 * patient of the same id, SMART scopes that leave a type out, _since, _type, _count paging that
 * holds when data changes between pages, and @medplum/core's readPatientEverything.
 */

let s: TestServer;
const FULL = 'system/*.cruds';
type Entry = { fullUrl: string; search?: { mode: string }; response?: { location?: string }; resource: { resourceType: string; id: string; meta?: { lastUpdated?: string } } };
type Answer = { status: number; body: { resourceType: string; total?: number; entry?: Entry[]; link?: { relation: string; url: string }[]; issue?: unknown[]; meta?: { lastUpdated?: string } } };

async function call(tenant: string, method: string, path: string, options: { scope?: string; json?: unknown; form?: string } = {}): Promise<Answer> {
  const headers: Record<string, string> = bearer(await token({ tenant, scope: options.scope ?? FULL }));
  let body: string | undefined;
  if (options.json !== undefined) [headers['content-type'], body] = ['application/fhir+json', JSON.stringify(options.json)];
  if (options.form !== undefined) [headers['content-type'], body] = ['application/x-www-form-urlencoded', options.form];
  const res = await s.request(path.startsWith('http') ? path.replace(/^http:\/\/[^/]+/, '') : `/tenants/${tenant}/fhir${path}`, { method, headers, body });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : {} };
}
const get = (tenant: string, path: string, scope?: string) => call(tenant, 'GET', path, { scope });
const put = async (tenant: string, resource: { resourceType: string; id: string; [k: string]: unknown }) => {
  const res = await call(tenant, 'PUT', `/${resource.resourceType}/${resource.id}`, { json: resource });
  expect(res.status, JSON.stringify(res.body)).toBeLessThan(300);
  return res.body;
};
const keys = (a: Answer) => (a.body.entry ?? []).filter((e) => e.search?.mode !== 'outcome').map((e) => `${e.resource.resourceType}/${e.resource.id}`);
const mode = (a: Answer, key: string) => a.body.entry?.find((e) => `${e.resource.resourceType}/${e.resource.id}` === key)?.search?.mode;

const ref = (r: string) => ({ reference: r });
const obs = (id: string, patient: string, encounter = true) => ({
  resourceType: 'Observation', id, status: 'final', code: { text: id }, subject: ref(`Patient/${patient}`), ...(encounter ? { encounter: ref('Encounter/e1') } : {}),
});
/** The compartment of Patient/p1 in acme. */
const MEMBERS = ['Patient/p1', 'Condition/c1', 'Encounter/e1', 'Observation/o1', 'Observation/o2', 'Observation/o3'];

beforeAll(async () => {
  s = await startTestServer(authEnv);
  await s.createTenants('acme', 'other');
  const shared = await s.request('/shared/fhir/Practitioner/dr-shared', {
    method: 'PUT', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/fhir+json' },
    body: JSON.stringify({ resourceType: 'Practitioner', id: 'dr-shared', name: [{ family: 'Shared' }] }),
  });
  expect(shared.status).toBe(201);
  await put('acme', { resourceType: 'Organization', id: 'org-1', name: 'Acme Clinic' });
  await put('acme', { resourceType: 'Patient', id: 'p1', managingOrganization: ref('Organization/org-1') });
  await put('acme', { resourceType: 'Patient', id: 'p2' });
  await put('acme', {
    resourceType: 'Encounter', id: 'e1', status: 'finished', class: { code: 'AMB' }, subject: ref('Patient/p1'),
    participant: [{ individual: ref('Practitioner/dr-shared') }], serviceProvider: ref('Organization/org-1'),
  });
  for (const id of ['o1', 'o2', 'o3']) await put('acme', obs(id, 'p1'));
  await put('acme', { resourceType: 'Condition', id: 'c1', subject: ref('Patient/p1') });
  // p2's: a MedicationRequest that names p1 as requester is not in p1's compartment (R4: subject only).
  await put('acme', { resourceType: 'Observation', id: 'o-p2', status: 'final', code: { text: 'x' }, subject: ref('Patient/p2') });
  await put('acme', { resourceType: 'MedicationRequest', id: 'mr-p2', status: 'active', intent: 'order', medicationCodeableConcept: { text: 'x' }, subject: ref('Patient/p2'), requester: ref('Patient/p1') });
  // The other tenant has a Patient p1 too, and one of its own nobody else has.
  await put('other', { resourceType: 'Patient', id: 'p1' });
  await put('other', { resourceType: 'Patient', id: 'p-other' });
  await put('other', obs('o-other', 'p1', false));
});
afterAll(() => s.close());

describe('Patient/{id}/$everything', () => {
  it('returns the patient first, its compartment, and what those refer to (a shared Practitioner included)', async () => {
    const all = await get('acme', '/Patient/p1/$everything');
    expect(all.status, JSON.stringify(all.body)).toBe(200);
    expect(all.body).toMatchObject({ resourceType: 'Bundle', type: 'searchset', total: MEMBERS.length });
    expect(keys(all)[0]).toBe('Patient/p1');
    expect(keys(all).sort()).toEqual([...MEMBERS, 'Organization/org-1', 'Practitioner/dr-shared'].sort());
    expect(mode(all, 'Practitioner/dr-shared')).toBe('include');
    expect(mode(all, 'Observation/o1')).toBe('match');
    expect(all.body.entry?.find((e) => e.resource.id === 'dr-shared')?.fullUrl).toBe('http://fhir.test/tenants/acme/fhir/Practitioner/dr-shared');
    expect(all.body.link?.find((l) => l.relation === 'next')).toBeUndefined();
  });

  it('is 404 for another tenant\'s patient, and never shows another tenant\'s resources', async () => {
    const theirs = await get('acme', '/Patient/p-other/$everything');
    expect(theirs.status).toBe(404);
    expect(JSON.stringify(theirs.body)).not.toContain('o-other');
    expect(keys(await get('acme', '/Patient/p1/$everything'))).not.toContain('Observation/o-other');
    const other = await get('other', '/Patient/p1/$everything');
    expect(keys(other).sort()).toEqual(['Observation/o-other', 'Patient/p1']);
  });

  it('leaves out the types a SMART-scoped caller may not read', async () => {
    const scope = 'system/Patient.rs system/Encounter.rs system/Condition.rs system/Organization.rs';
    const res = await get('acme', '/Patient/p1/$everything', scope);
    expect(res.status).toBe(200);
    expect(keys(res).sort()).toEqual(['Condition/c1', 'Encounter/e1', 'Organization/org-1', 'Patient/p1']);
    expect(res.body.total).toBe(3);
    expect((await get('acme', '/Patient/p1/$everything', 'system/Observation.rs')).status).toBe(403);
  });

  it('takes _type for every resource returned', async () => {
    const res = await get('acme', '/Patient/p1/$everything?_type=Encounter,Practitioner');
    expect(keys(res).sort()).toEqual(['Encounter/e1', 'Practitioner/dr-shared']);
    expect((await get('acme', '/Patient/p1/$everything?_type=Nonsense')).status).toBe(400);
  });

  it('pages with _count through next links, with no duplicate when data changes between pages', async () => {
    const seen: string[] = [];
    let page = await get('acme', '/Patient/p1/$everything?_count=2');
    expect(page.body.total).toBe(MEMBERS.length);
    expect(keys(page).filter((k) => mode(page, k) === 'match')).toEqual(['Patient/p1', 'Condition/c1']);
    await put('acme', obs('o0', 'p1'));
    for (let n = 0; n < 10; n++) {
      seen.push(...keys(page).filter((k) => mode(page, k) === 'match'));
      const next = page.body.link?.find((l) => l.relation === 'next')?.url;
      if (next === undefined) break;
      expect(next).toContain('_count=2');
      page = await get('acme', next);
      expect(page.status).toBe(200);
    }
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.sort()).toEqual([...MEMBERS, 'Observation/o0'].sort());
    expect((await get('acme', '/Patient/p1/$everything?_cursor=garbage')).status).toBe(400);
    await call('acme', 'DELETE', '/Observation/o0');
  });

  it('takes _since: only what changed since then', async () => {
    const changed = await put('acme', { ...obs('o2', 'p1'), status: 'amended' });
    const since = changed.meta?.lastUpdated ?? '';
    const res = await get('acme', `/Patient/p1/$everything?_since=${since}`);
    expect(keys(res)).toEqual(['Observation/o2']);
    expect((await get('acme', '/Patient/p1/$everything?_since=yesterday')).status).toBe(400);
  });

  it('takes POST with a Parameters body; the type level is refused', async () => {
    const res = await call('acme', 'POST', '/Patient/p1/$everything', { json: { resourceType: 'Parameters', parameter: [{ name: '_count', valueInteger: 1 }, { name: '_type', valueCode: 'Patient' }] } });
    expect(res.status).toBe(200);
    expect(keys(res)).toEqual(['Patient/p1']);
    const warned = await get('acme', '/Patient/p1/$everything?start=2020-01-01');
    expect(warned.body.entry?.at(-1)).toMatchObject({ search: { mode: 'outcome' } });
    expect((await get('acme', '/Patient/$everything')).status).toBe(400);
    expect((await get('acme', '/Patient/nobody/$everything')).status).toBe(404);
  });

  it('returns every resource of a Synthea patient\'s bundle, over pages', async () => {
    const res = await call('acme', 'POST', '', { json: readBundle(syntheaFiles()[0] ?? '') });
    expect(res.status).toBe(200);
    const created = (res.body.entry ?? []).map((e) => String(e.response?.location).replace(/\/_history\/.*$/, ''));
    const patient = created.find((k) => k.startsWith('Patient/')) ?? 'Patient/missing';
    const seen = new Set<string>();
    let next: string | undefined = `/${patient}/$everything?_count=25`;
    for (let n = 0; next !== undefined && n < 20; n++) {
      const page = await get('acme', next);
      for (const k of keys(page)) seen.add(k);
      next = page.body.link?.find((l) => l.relation === 'next')?.url;
    }
    expect([...seen].sort()).toEqual([...created].sort());
  });

  it('is listed in the CapabilityStatement', async () => {
    const cs = await get('acme', '/metadata');
    expect(JSON.stringify(cs.body)).toContain('http://hl7.org/fhir/OperationDefinition/Patient-everything');
  });

  it('answers @medplum/core readPatientEverything against a listening server', async () => {
    const app = createApp({ db: s.tdb.db, config: s.config, log: pino({ level: 'silent' }) });
    const server: ServerType = await new Promise((resolve) => {
      const srv = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(srv));
    });
    try {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      const medplum = new MedplumClient({ baseUrl: `http://127.0.0.1:${port}/`, fhirUrlPath: 'tenants/acme/fhir', fetch, cacheTime: 0 });
      medplum.setAccessToken(await token({ tenant: 'acme', scope: FULL }));
      const bundle: Bundle = await medplum.readPatientEverything('p1');
      const got = (bundle.entry ?? []).map((e) => `${e.resource?.resourceType}/${e.resource?.id}`);
      expect(got[0]).toBe('Patient/p1');
      expect(got).toEqual(expect.arrayContaining([...MEMBERS, 'Practitioner/dr-shared']));
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});

describe('compartment search', () => {
  it('Patient/{id}/* finds every member, the patient included, and no more', async () => {
    const res = await get('acme', '/Patient/p1/*');
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(keys(res).sort()).toEqual([...MEMBERS].sort());
    expect(keys(await get('acme', '/Patient/p2/*')).sort()).toEqual(['MedicationRequest/mr-p2', 'Observation/o-p2', 'Patient/p2']);
    expect(keys(await get('acme', '/Patient/p-other/*'))).toEqual([]);
  });

  it('leaves out the types the caller may not search', async () => {
    const res = await get('acme', '/Patient/p1/*', 'system/Patient.rs system/Encounter.rs system/Condition.rs');
    expect(keys(res).sort()).toEqual(['Condition/c1', 'Encounter/e1', 'Patient/p1']);
  });

  it('POST Patient/{id}/_search and Patient/{id}/{type}/_search take form parameters', async () => {
    const all = await call('acme', 'POST', '/Patient/p1/_search', { form: '_type=Observation,Condition' });
    expect(all.status, JSON.stringify(all.body)).toBe(200);
    expect(keys(all).sort()).toEqual(['Condition/c1', 'Observation/o1', 'Observation/o2', 'Observation/o3']);
    const one = await call('acme', 'POST', '/Patient/p1/Observation/_search', { form: 'code:text=o3' });
    expect(keys(one)).toEqual(['Observation/o3']);
    expect((await call('acme', 'POST', '/Patient/p1/_search', { form: '_type=Practitioner' })).status).toBe(400);
    expect((await call('acme', 'POST', '/Patient/p1/_search', { json: {} })).status).toBe(415);
  });
});
