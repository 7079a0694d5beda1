import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/app.js';
import { authEnv, bearer, signWith, token } from './tokens.helper.js';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer(authEnv);
  await s.createTenants('acme', 'globex');
});
afterAll(() => s.close());

const get = (path: string, headers: Record<string, string> = {}) => s.request(path, { headers });

describe('bearer tokens (HS256)', () => {
  it('let a valid token reach its tenant through /fhir and the per-tenant URL', async () => {
    const t = await token({ tenant: 'acme' });
    expect((await get('/fhir/Patient', bearer(t))).status).toBe(200);
    expect((await get('/tenants/acme/fhir/Patient', bearer(t))).status).toBe(200);
  });

  it.each([
    ['expired', () => token({ tenant: 'acme', expiresIn: -60 })],
    ['signed with another secret', () => token({ tenant: 'acme', secret: 'another-secret-another-secret-0123456' })],
    ['from another issuer', () => token({ tenant: 'acme', issuer: 'https://evil.test' })],
    ['for another audience', () => token({ tenant: 'acme', audience: 'someone-else' })],
    ['unsigned (alg none)', async () => {
      const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
      return `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ tenant: 'acme', iss: 'https://issuer.test', aud: 'fhir-rls', exp: Math.floor(Date.now() / 1000) + 600 })}.`;
    }],
    ['not a JWT', async () => 'garbage'],
  ])('refuse a token %s with 401 and a WWW-Authenticate challenge', async (_what, make) => {
    const res = await get('/fhir/Patient', bearer(await make()));
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect((await res.json()).resourceType).toBe('OperationOutcome');
  });

  it('need a token: none → 401, and X-Tenant-ID alone is not trusted', async () => {
    expect((await get('/fhir/Patient', { 'x-tenant-id': 'acme' })).status).toBe(401);
    expect((await get('/tenants/acme/fhir/Patient')).status).toBe(401);
  });

  it('refuse a header or URL tenant that disagrees with the token (403)', async () => {
    const t = await token({ tenant: 'acme' });
    expect((await get('/fhir/Patient', { ...bearer(t), 'x-tenant-id': 'globex' })).status).toBe(403);
    expect((await get('/tenants/globex/fhir/Patient', bearer(t))).status).toBe(403);
    expect((await get('/fhir/Patient', { ...bearer(t), 'x-tenant-id': 'acme' })).status).toBe(200);
  });

  it('without a tenant claim: shared reads only; the admin API only with the admin claim', async () => {
    const t = await token({});
    expect((await get('/fhir/Patient', bearer(t))).status).toBe(403);
    expect((await get('/shared/fhir/Organization', bearer(t))).status).toBe(200);
    const write = await s.request('/shared/fhir/Organization', { method: 'POST', headers: { ...bearer(t), 'content-type': 'application/fhir+json' }, body: '{"resourceType":"Organization"}' });
    expect(write.status).toBe(403);
    expect((await get('/admin/tenants', bearer(t))).status).toBe(401);
    expect((await get('/admin/tenants', bearer(await token({ admin: true })))).status).toBe(200);
  });

  it('record refused requests in the audit log', async () => {
    await get('/tenants/globex/fhir/Patient', bearer(await token({ tenant: 'acme', client: 'snoopy' })));
    const log = await (await s.admin('/audit?tenant=globex')).json();
    expect(log.some((e: { client: string; outcome: string; action: string }) => e.client === 'snoopy' && e.outcome === 'denied' && e.action.includes('/tenants/globex/fhir/Patient'))).toBe(true);
  });
});

describe('tokens from a JWKS file (key rotation)', () => {
  let j: TestServer;
  const keys: { alg: string; kid: string; privateKey: CryptoKey | object }[] = [];

  beforeAll(async () => {
    const rs = await generateKeyPair('RS256');
    const es = await generateKeyPair('ES256');
    keys.push({ alg: 'RS256', kid: 'old', privateKey: rs.privateKey }, { alg: 'ES256', kid: 'new', privateKey: es.privateKey });
    const jwks = { keys: [{ ...(await exportJWK(rs.publicKey)), kid: 'old', alg: 'RS256' }, { ...(await exportJWK(es.publicKey)), kid: 'new', alg: 'ES256' }] };
    const file = join(mkdtempSync(join(tmpdir(), 'jwks-')), 'jwks.json');
    writeFileSync(file, JSON.stringify(jwks));
    j = await startTestServer({ AUTH_JWKS_FILE: file });
    await j.createTenants('acme');
  });
  afterAll(() => j.close());

  it('accept tokens signed by either key, refuse an unknown key', async () => {
    for (const k of keys) {
      const t = await signWith(k.privateKey as never, k.alg, k.kid, { tenant: 'acme', scope: 'system/*.rs' });
      expect((await j.request('/fhir/Patient', { headers: bearer(t) })).status, k.kid).toBe(200);
    }
    const stranger = await generateKeyPair('RS256');
    const t = await signWith(stranger.privateKey, 'RS256', 'old', { tenant: 'acme', scope: 'system/*.rs' });
    expect((await j.request('/fhir/Patient', { headers: bearer(t) })).status).toBe(401);
  });
});
