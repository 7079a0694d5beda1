import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseScopes, scopesAllow, type Interaction } from '../../src/auth/scopes.js';
import { startTestServer, type TestServer } from '../helpers/app.js';
import { authEnv, bearer, token } from './tokens.helper.js';

let s: TestServer;
let patientId = '';
beforeAll(async () => {
  s = await startTestServer(authEnv);
  await s.createTenants('acme');
  const full = bearer(await token({ tenant: 'acme', scope: 'system/*.cruds' }));
  const p = await (await s.request('/fhir/Patient', { method: 'POST', headers: { ...full, 'content-type': 'application/fhir+json' }, body: JSON.stringify({ resourceType: 'Patient', gender: 'male' }) })).json();
  patientId = p.id;
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
    return (await s.request(`/fhir${path}`, { method, headers, body: body ? JSON.stringify(body) : undefined })).status;
  };
  const cases: [string, string, () => string, (() => object) | undefined][] = [
    ['create', 'POST', () => '/Patient', () => ({ resourceType: 'Patient' })],
    ['read', 'GET', () => `/Patient/${patientId}`, undefined],
    ['vread', 'GET', () => `/Patient/${patientId}/_history/1`, undefined],
    ['history-instance', 'GET', () => `/Patient/${patientId}/_history`, undefined],
    ['update', 'PUT', () => `/Patient/${patientId}`, () => ({ resourceType: 'Patient', id: patientId, gender: 'male' })],
    ['patch', 'PATCH', () => `/Patient/${patientId}`, () => [{ op: 'replace', path: '/gender', value: 'male' }]],
    ['search', 'GET', () => '/Patient?gender=male', undefined],
    ['history-type', 'GET', () => '/Patient/_history', undefined],
    ['delete', 'DELETE', () => '/Patient/never-existed', undefined],
  ];
  const letter: Record<string, string> = { create: 'c', read: 'r', vread: 'r', 'history-instance': 'r', update: 'u', patch: 'u', search: 's', 'history-type': 's', delete: 'd' };
  it.each(cases)('%s: allowed with its letter, 403 without', async (name, method, path, body) => {
    const allowed = await call(`system/Patient.${letter[name]}`, method, path(), body?.());
    expect(allowed, `${name} allowed`).not.toBe(403);
    expect(allowed, `${name} allowed`).toBeLessThan(500);
    const others = 'cruds'.replace(letter[name]!, '');
    expect(await call(`system/Patient.${others} system/Observation.cruds`, method, path(), body?.()), `${name} denied`).toBe(403);
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
