import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseScopes, scopesAllow, type Interaction } from '../../src/auth/scopes.js';
import { startTestServer, type TestServer } from '../helpers/app.js';
import { authEnv, bearer, token } from './tokens.helper.js';

let s: TestServer;
let patientId = '';
/** Deleted by the delete case: an allowed delete of an existing resource answers 204. */
let doomedId = '';
beforeAll(async () => {
  s = await startTestServer(authEnv);
  await s.createTenants('acme');
  const full = bearer(await token({ tenant: 'acme', scope: 'system/*.cruds' }));
  const post = async (body: object) => {
    const res = await s.request('/fhir/Patient', { method: 'POST', headers: { ...full, 'content-type': 'application/fhir+json' }, body: JSON.stringify(body) });
    expect(res.status).toBe(201);
    return res.json();
  };
  const p = await post({ resourceType: 'Patient', gender: 'male' });
  patientId = p.id;
  doomedId = (await post({ resourceType: 'Patient' })).id;
  await s.request('/fhir/Observation', { method: 'POST', headers: { ...full, 'content-type': 'application/fhir+json' },
    body: JSON.stringify({ resourceType: 'Observation', status: 'final', code: { text: 'x' }, subject: { reference: `Patient/${p.id}` } }) });
});
afterAll(() => s.close());

describe('SMART scope grammar', () => {
  it.each<[string, Interaction, string, boolean]>([
    ['system/Patient.rs', 'read', 'Patient', true],
    ['system/Patient.rs', 'search', 'Patient', true],
    ['system/Patient.rs', 'create', 'Patient', false],
    ['system/Patient.rs', 'read', 'Observation', false],
    ['user/*.cruds', 'delete', 'Observation', true],
    ['patient/*.read', 'search', 'Encounter', true],
    ['patient/*.read', 'update', 'Encounter', false],
    ['user/Observation.write', 'create', 'Observation', true],
    ['user/Observation.write', 'read', 'Observation', false],
    ['system/*.*', 'patch', 'Patient', true],
    ['openid fhirUser launch', 'read', 'Patient', false],
    ['system/Patient.r', 'history-instance', 'Patient', true],
    ['system/Patient.r', 'history', 'Patient', false],
  ])('%s allows %s on %s: %s', (scope, interaction, type, allowed) => {
    expect(scopesAllow(parseScopes(scope), interaction, type)).toBe(allowed);
  });
});

describe('scopes on every interaction, over HTTP', () => {
  const call = async (scope: string, method: string, path: string, body?: object) => {
    const headers: Record<string, string> = bearer(await token({ tenant: 'acme', scope }));
    if (body) headers['content-type'] = method === 'PATCH' ? 'application/json-patch+json' : 'application/fhir+json';
    const res = await s.request(`/fhir${path}`, { method, headers, body: body ? JSON.stringify(body) : undefined });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
  type Case = [name: string, method: string, path: () => string, body: (() => object) | undefined, status: number, answer: () => object | undefined];
  const bundle = (type: string) => () => ({ resourceType: 'Bundle', type });
  // What the server must answer when the scope allows the interaction: the status and the body's gist.
  const cases: Case[] = [
    ['create', 'POST', () => '/Patient', () => ({ resourceType: 'Patient' }), 201, () => ({ resourceType: 'Patient', meta: { versionId: '1' } })],
    ['read', 'GET', () => `/Patient/${patientId}`, undefined, 200, () => ({ resourceType: 'Patient', id: patientId })],
    ['vread', 'GET', () => `/Patient/${patientId}/_history/1`, undefined, 200, () => ({ resourceType: 'Patient', id: patientId, meta: { versionId: '1' } })],
    ['history-instance', 'GET', () => `/Patient/${patientId}/_history`, undefined, 200, bundle('history')],
    ['update', 'PUT', () => `/Patient/${patientId}`, () => ({ resourceType: 'Patient', id: patientId, gender: 'male' }), 200, () => ({ resourceType: 'Patient', id: patientId, gender: 'male' })],
    ['patch', 'PATCH', () => `/Patient/${patientId}`, () => [{ op: 'replace', path: '/gender', value: 'female' }], 200, () => ({ resourceType: 'Patient', id: patientId, gender: 'female' })],
    ['search', 'GET', () => '/Patient?gender=male', undefined, 200, bundle('searchset')],
    ['history-type', 'GET', () => '/Patient/_history', undefined, 200, bundle('history')],
    ['delete', 'DELETE', () => `/Patient/${doomedId}`, undefined, 204, () => undefined],
  ];
  const letter: Record<string, string> = { create: 'c', read: 'r', vread: 'r', 'history-instance': 'r', update: 'u', patch: 'u', search: 's', 'history-type': 's', delete: 'd' };
  it.each(cases)('%s: allowed with its letter, 403 without', async (name, method, path, body, status, answer) => {
    const allowed = await call(`system/Patient.${letter[name]}`, method, path(), body?.());
    expect(allowed.status, `${name} allowed: ${JSON.stringify(allowed.body)}`).toBe(status);
    const expected = answer();
    if (expected === undefined) expect(allowed.body).toBeUndefined();
    else expect(allowed.body).toMatchObject(expected);
    const others = 'cruds'.replace(letter[name]!, '');
    const denied = await call(`system/Patient.${others} system/Observation.cruds`, method, path(), body?.());
    expect(denied.status, `${name} denied`).toBe(403);
    expect(denied.body).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'forbidden' }] });
  });

  it('drops included resources of types the scopes do not allow', async () => {
    const headers = bearer(await token({ tenant: 'acme', scope: 'system/Observation.rs' }));
    const b = await (await s.request('/fhir/Observation?_include=Observation:subject', { headers })).json();
    expect(b.entry.map((e: { resource: { resourceType: string } }) => e.resource.resourceType)).toEqual(['Observation']);
    const both = bearer(await token({ tenant: 'acme', scope: 'system/Observation.rs system/Patient.r' }));
    const b2 = await (await s.request('/fhir/Observation?_include=Observation:subject', { headers: both })).json();
    expect(b2.entry.map((e: { resource: { resourceType: string } }) => e.resource.resourceType).sort()).toEqual(['Observation', 'Patient']);
  });
});
