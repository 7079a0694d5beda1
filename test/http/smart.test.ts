import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/app.js';
import { authEnv, bearer, ISSUER, token } from '../auth/tokens.helper.js';

/*
 * SMART App Launch 2.0 discovery (issue 14 item 2): [base]/.well-known/smart-configuration on the
 * three bases, read without a token, while nothing else opens to unauthenticated callers.
 */

const SMART = {
  SMART_AUTHORIZE_URL: 'https://auth.example.org/authorize',
  SMART_TOKEN_URL: 'https://auth.example.org/token',
  SMART_JWKS_URL: 'https://auth.example.org/jwks',
  SMART_SCOPES_SUPPORTED: 'openid, fhirUser, launch/patient, system/*.rs',
};
const WELL_KNOWN = '/.well-known/smart-configuration';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ ...authEnv, ...SMART, CORS_ORIGINS: 'https://app.example.org' });
  await s.createTenants('smart');
});
afterAll(() => s.close());

describe('smart-configuration', () => {
  it.each(['/fhir', '/tenants/smart/fhir', '/shared/fhir'])('is answered on %s without a token', async (base) => {
    const res = await s.request(`${base}${WELL_KNOWN}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/json');
    const doc = await res.json();
    expect(doc).toMatchObject({
      issuer: ISSUER,
      jwks_uri: SMART.SMART_JWKS_URL,
      authorization_endpoint: SMART.SMART_AUTHORIZE_URL,
      token_endpoint: SMART.SMART_TOKEN_URL,
      grant_types_supported: ['authorization_code', 'client_credentials'],
      response_types_supported: ['code'],
      scopes_supported: ['openid', 'fhirUser', 'launch/patient', 'system/*.rs'],
      code_challenge_methods_supported: ['S256'],
    });
    expect(doc.capabilities).toContain('permission-v2');
    expect(doc.code_challenge_methods_supported).not.toContain('plain');
  });

  it('takes SMART_CAPABILITIES and SMART_ISSUER from the configuration', async () => {
    const other = await startTestServer({ ...authEnv, SMART_TOKEN_URL: 'https://t.example/token', SMART_CAPABILITIES: 'launch-standalone,client-public', SMART_ISSUER: 'https://other.example' });
    try {
      const doc = await (await other.request(`/fhir${WELL_KNOWN}`)).json();
      expect(doc.capabilities).toEqual(['launch-standalone', 'client-public']);
      expect(doc.issuer).toBe('https://other.example');
      expect(doc.authorization_endpoint).toBeUndefined();
      expect(doc.grant_types_supported).toEqual(['client_credentials']);
    } finally {
      await other.close();
    }
  });

  it('opens nothing else: FHIR and admin routes still need a token', async () => {
    const res = await s.request('/fhir/Patient');
    expect(res.status).toBe(401);
    expect((await res.json()).resourceType).toBe('OperationOutcome');
    expect((await s.request('/tenants/smart/fhir/Patient')).status).toBe(401);
    expect((await s.request('/tenants/smart/fhir/metadata')).status).toBe(401);
    expect((await s.request('/fhir/.well-known/other')).status).toBe(401);
    expect((await s.request(`/fhir${WELL_KNOWN}/x`)).status).toBe(401);
    expect((await s.request(`/fhir${WELL_KNOWN}`, { method: 'POST' })).status).toBe(401);
    expect((await s.request('/admin/tenants')).status).toBe(401);
    const ok = await s.request('/tenants/smart/fhir/Patient', { headers: bearer(await token({ tenant: 'smart' })) });
    expect(ok.status).toBe(200);
  });

  it('answers a CORS preflight without a token, while the request itself still needs one', async () => {
    const origin = 'https://app.example.org';
    const pre = await s.request('/tenants/smart/fhir/Patient', { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' } });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-origin')).toBe(origin);
    const get = await s.request('/tenants/smart/fhir/Patient', { headers: { origin } });
    expect(get.status).toBe(401);
    expect(get.headers.get('access-control-allow-origin')).toBe(origin);
    const discovery = await s.request(`/fhir${WELL_KNOWN}`, { headers: { origin } });
    expect(discovery.headers.get('access-control-allow-origin')).toBe(origin);
  });

  it('refuses a malformed tenant id with 400', async () => {
    const res = await s.request(`/tenants/Not_A_Tenant/fhir${WELL_KNOWN}`);
    expect(res.status).toBe(400);
    expect((await res.json()).resourceType).toBe('OperationOutcome');
  });

  it('is 404 when tokens are not verified (gateway mode), or no token endpoint is configured', async () => {
    const gateway = await startTestServer(SMART);
    try {
      const res = await gateway.request(`/fhir${WELL_KNOWN}`);
      expect(res.status).toBe(404);
      expect((await res.json()).resourceType).toBe('OperationOutcome');
    } finally {
      await gateway.close();
    }
    const noToken = await startTestServer(authEnv);
    try {
      expect((await noToken.request(`/tenants/smart/fhir${WELL_KNOWN}`)).status).toBe(404);
    } finally {
      await noToken.close();
    }
  });
});
