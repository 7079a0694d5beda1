import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, startTestServer, type TestServer } from '../helpers/app.js';
import { authEnv, token } from '../auth/tokens.helper.js';

/*
 * The console's login over HTTP with token verification on: an admin-claim JWT logs in (the same
 * check as the API's), other tokens do not; the cookie's flags; cross-site posts; and the admin
 * token reaching no tenant data there (the FHIR browser says 403, as the API would).
 */
let s: TestServer;
beforeAll(async () => {
  s = await startTestServer(authEnv);
  await s.createTenants('login-t');
});
afterAll(() => s.close());

const login = (credential: string, headers: Record<string, string> = {}) => s.request('/console/login', {
  method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams({ token: credential }),
});
const cookieOf = (res: Response) => (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '';

describe('console login', () => {
  it('takes an admin-claim JWT, with an HttpOnly SameSite=Strict session cookie that holds no credential', async () => {
    const jwt = await token({ admin: true, client: 'operator-1' });
    const res = await login(jwt);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/console/tenants');
    const set = res.headers.get('set-cookie') ?? '';
    expect(set).toMatch(/^fhir_console=[A-Za-z0-9_-]{43};/);
    expect(set).toContain('HttpOnly');
    expect(set).toContain('SameSite=Strict');
    expect(set).toContain('Path=/console');
    expect(set).not.toMatch(/Max-Age|Expires/i);
    expect(set).not.toContain('Secure');
    expect(set).not.toContain(jwt.slice(0, 20));
    const page = await s.request('/console/tenants', { headers: { cookie: cookieOf(res) } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
    const html = await page.text();
    expect(html).toContain('login-t');
    // The actions are the operator's: the audit log names the JWT's client.
    const csrf = /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';
    const made = await s.request('/console/tenants', {
      method: 'POST', headers: { cookie: cookieOf(res), 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ _csrf: csrf, id: 'by-jwt' }),
    });
    expect(made.status).toBe(303);
    const audit: { action: string; tenant: string }[] = await (await s.admin('/audit?client=operator-1', { headers: { authorization: `Bearer ${jwt}` } })).json();
    expect(audit).toContainEqual(expect.objectContaining({ action: 'create tenant', tenant: 'by-jwt' }));
  });

  it('is Secure behind https', async () => {
    const res = await login(await token({ admin: true }), { 'x-forwarded-proto': 'https' });
    expect(res.headers.get('set-cookie')).toContain('Secure');
  });

  it('refuses a token without the admin claim, an expired one, another issuer\'s, and a cross-site post', async () => {
    for (const t of [await token({ tenant: 'login-t' }), await token({ admin: true, expiresIn: -60 }), await token({ admin: true, secret: 'another-secret-another-secret-0123456' }), 'garbage']) {
      const res = await login(t);
      expect(res.status).toBe(401);
      expect(res.headers.get('set-cookie')).toBeNull();
    }
    const cross = await login(await token({ admin: true }), { origin: 'https://evil.example' });
    expect(cross.status).toBe(403);
    expect(cross.headers.get('set-cookie')).toBeNull();
  });

  it('with the admin token, administers but reaches no tenant data when token verification is on', async () => {
    const res = await login(ADMIN_TOKEN);
    expect(res.status).toBe(303);
    const cookie = cookieOf(res);
    expect((await s.request('/console/tenants/login-t', { headers: { cookie } })).status).toBe(200);
    const browse = await s.request('/console/tenants/login-t/fhir?type=Patient', { headers: { cookie } });
    expect(browse.status).toBe(400);
    expect(await browse.text()).toContain('HTTP 403');
  });

  it('sends a page without a session to the login, and refuses a post without one', async () => {
    const page = await s.request('/console/tenants');
    expect(page.status).toBe(303);
    expect(page.headers.get('location')).toBe('/console/login');
    const post = await s.request('/console/tenants', { method: 'POST', headers: { cookie: 'fhir_console=forged' }, body: new URLSearchParams({ id: 'x' }) });
    expect(post.status).toBe(401);
  });
});
