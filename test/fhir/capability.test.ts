import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/app.js';
import { authEnv, bearer, token } from '../auth/tokens.helper.js';
import { CapabilityTool } from 'fhir-kit-client';

/*
 * The CapabilityStatement tells the truth (issue 14 item 1), read by fhir-kit-client's own
 * CapabilityTool (serverCan: rest.interaction; resourceCan: rest.resource[type].interaction), as a
 * client deciding what it may call does.
 */

type Json = Record<string, any>;
const server = (cs: Json): Json => cs.rest.find((r: Json) => r.mode === 'server');
const resource = (cs: Json, type: string): Json | undefined => server(cs).resource.find((r: Json) => r.type === type);
const resourceCan = (cs: Json, type: string, code: string) => new CapabilityTool(cs as never).resourceCan(type, code);

let s: TestServer;
let cs: Json;
beforeAll(async () => {
  s = await startTestServer({ CORS_ORIGINS: 'https://app.example.org' });
  await s.createTenants('caps');
  await s.admin('/tenants', { json: { id: 'narrow', name: 'Narrow', config: { resourceTypes: ['Patient', 'Observation'] } } });
  const res = await s.fhir('caps', '/metadata');
  expect(res.status).toBe(200);
  cs = await res.json();
});
afterAll(() => s.close());

describe('CapabilityStatement', () => {
  it('reports transaction, batch and patch the way fhir-kit-client reads them', () => {
    const tool = new CapabilityTool(cs as never);
    for (const code of ['transaction', 'batch', 'history-system', 'search-system']) expect(tool.serverCan(code), code).toBe(true);
    for (const code of ['read', 'vread', 'update', 'patch', 'delete', 'history-instance', 'history-type', 'create', 'search-type']) {
      expect(resourceCan(cs, 'Patient', code), code).toBe(true);
    }
    expect(cs.patchFormat).toContain('application/json-patch+json');
  });

  it('lists searchInclude and searchRevInclude', () => {
    const patient = resource(cs, 'Patient');
    expect(patient?.searchInclude).toContain('Patient:organization');
    expect(patient?.searchRevInclude).toEqual(expect.arrayContaining(['Observation:subject', 'Observation:patient', 'Encounter:subject']));
    expect(resource(cs, 'Organization')?.searchRevInclude).toContain('Patient:organization');
  });

  it('lists the operations answered, with their OperationDefinition canonicals', () => {
    expect(resource(cs, 'Patient')?.operation).toContainEqual({ name: 'validate', definition: 'http://hl7.org/fhir/OperationDefinition/Resource-validate' });
    const view = resource(cs, 'ViewDefinition');
    // The R4 validator does not know ViewDefinition: no $validate advertised for it.
    expect(view?.operation.map((o: Json) => o.name)).not.toContain('validate');
    expect(view?.operation).toEqual(expect.arrayContaining([
      { name: 'run', definition: 'http://sql-on-fhir.org/OperationDefinition/$run' },
      { name: 'viewdefinition-run', definition: 'http://sql-on-fhir.org/OperationDefinition/$viewdefinition-run' },
    ]));
  });

  it('advertises no Subscription (stored, never processed), and storing one still works', async () => {
    expect(resource(cs, 'Subscription')).toBeUndefined();
    const res = await s.fhir('caps', '/Subscription', { json: { resourceType: 'Subscription', status: 'requested', reason: 'r', criteria: 'Patient?', channel: { type: 'rest-hook', endpoint: 'https://example.org/hook' } } });
    expect(res.status).toBe(201);
  });

  it('says cors when CORS_ORIGINS is set, and no SMART service in gateway mode', () => {
    expect(server(cs).security).toEqual({ cors: true });
  });

  it('each advertised operation and interaction is answered', async () => {
    const created = await (await s.fhir('caps', '/Patient', { json: { resourceType: 'Patient', gender: 'male' } })).json();
    const patched = await s.fhir('caps', `/Patient/${created.id}`, { method: 'PATCH', headers: { 'content-type': 'application/json-patch+json' }, body: JSON.stringify([{ op: 'replace', path: '/gender', value: 'female' }]) });
    expect(patched.status).toBe(200);
    expect((await s.fhir('caps', '/Patient/$validate', { json: { resourceType: 'Patient' } })).status).toBe(200);
    const batch = await s.fhir('caps', '/', { json: { resourceType: 'Bundle', type: 'batch', entry: [{ request: { method: 'GET', url: `Patient/${created.id}` } }] } });
    expect(batch.status).toBe(200);
    expect((await s.fhir('caps', '/_history')).status).toBe(200);
    expect((await s.fhir('caps', `/Observation?_revinclude=Observation:subject`)).status).toBe(200);
    expect((await s.fhir('caps', `/Patient?_revinclude=Observation:subject`)).status).toBe(200);
  });

  it('keeps a tenant to its enabled types', async () => {
    const narrow = await (await s.fhir('narrow', '/metadata')).json();
    expect(server(narrow).resource.map((r: Json) => r.type).sort()).toEqual(['Observation', 'Patient']);
    expect(new CapabilityTool(narrow as never).serverCan('transaction')).toBe(true);
  });

  it('lists the shared types only on the shared base', async () => {
    const shared = await (await s.request('/shared/fhir/metadata')).json();
    const types = server(shared).resource.map((r: Json) => r.type);
    expect(types).toContain('Organization');
    expect(types).not.toContain('Patient');
    expect(resource(shared, 'Organization')?.extension).toEqual([{ url: 'https://fhir-rls.dev/StructureDefinition/table-set', valueCode: 'shared' }]);
  });
});

describe('CapabilityStatement with tokens verified', () => {
  it('has rest.security with the SMART service and oauth-uris', async () => {
    const smart = await startTestServer({ ...authEnv, SMART_AUTHORIZE_URL: 'https://auth.example.org/authorize', SMART_TOKEN_URL: 'https://auth.example.org/token' });
    try {
      await smart.createTenants('sec');
      const res = await smart.request('/tenants/sec/fhir/metadata', { headers: bearer(await token({ tenant: 'sec' })) });
      expect(res.status).toBe(200);
      const security = server(await res.json()).security;
      expect(security.cors).toBe(false);
      expect(security.service).toEqual([{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/restful-security-service', code: 'SMART-on-FHIR' }] }]);
      expect(security.extension).toEqual([{
        url: 'http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris',
        extension: [{ url: 'authorize', valueUri: 'https://auth.example.org/authorize' }, { url: 'token', valueUri: 'https://auth.example.org/token' }],
      }]);
    } finally {
      await smart.close();
    }
  });
});
