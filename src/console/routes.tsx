import { readFileSync } from 'node:fs';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { getCookie } from 'hono/cookie';
import { TENANT_ID } from '../core/ids.js';
import type { Deps } from '../env.js';
import type { AppFetch, ConsoleEnv } from './env.js';
import { adminPrincipal, clearSessionCookie, COOKIE, requireSession, sameOrigin, securityHeaders, setSessionCookie } from './guard.js';
import { renderPublic, url } from './layout.js';
import { SessionStore } from './session.js';
import { auditPages } from './pages/audit.js';
import { exportPages } from './pages/exports.js';
import { fhirPages } from './pages/fhir.js';
import { policyPages } from './pages/policies.js';
import { tenantPages } from './pages/tenant.js';
import { tenantListPages } from './pages/tenants.js';

const CSS = readFileSync(new URL('./console.css', import.meta.url), 'utf8');
/** A console session ends after this long without a page (CONSOLE_IDLE_MINUTES would go in config.ts if operators ask). */
export const IDLE_MS = 30 * 60_000;

const LoginForm = ({ error }: { error?: string }) => (
  <form method="post" action={url('/login')} class="card login" aria-labelledby="login-h">
    <h2 id="login-h">Log in</h2>
    {error ? <div class="message message-error" role="alert"><strong>Error: </strong>{error}</div> : null}
    <label for="token">Admin token (ADMIN_TOKEN) or a JWT with the admin claim</label>
    <input id="token" name="token" type="password" autocomplete="current-password" required autofocus />
    <p class="hint">Kept on the server for this browser session only; the browser holds just a session cookie.</p>
    <button type="submit">Log in</button>
  </form>
);

/**
 * /console: the operator console, server-rendered. Mounted in app.ts after the refusal log (a
 * refused login is audited like any 401) and before the bearer-token check (a browser sends a
 * cookie, not a token).
 */
export function consoleRoutes(deps: Deps, fetch: AppFetch, sessions = new SessionStore(IDLE_MS)): Hono<ConsoleEnv> {
  const app = new Hono<ConsoleEnv>({ strict: false });
  app.use('*', securityHeaders);
  app.use('*', bodyLimit({ maxSize: deps.config.maxBodyBytes, onError: (c) => c.text('The upload exceeds the body limit of the server', 413) }));

  app.get('/static/console.css', (c) => c.body(CSS, 200, { 'Content-Type': 'text/css; charset=utf-8', 'Cache-Control': 'public, max-age=300' }));
  app.get('/login', (c) => renderPublic(c, { title: 'FHIR server console', children: <LoginForm /> }));
  app.post('/login', async (c) => {
    if (!sameOrigin(c)) return c.text('Cross-site request refused', 403);
    const form = await c.req.parseBody();
    const token = typeof form.token === 'string' ? form.token.trim() : '';
    if (token === '' || (await adminPrincipal(deps, token)) === undefined) {
      return renderPublic(c, { title: 'FHIR server console', children: <LoginForm error="That is not an admin credential of this server." /> }, 401);
    }
    const old = getCookie(c, COOKIE);
    if (old !== undefined) sessions.end(old);
    // A fresh id at every login: a session id planted before login is never the one that gets rights.
    setSessionCookie(c, sessions.create(token));
    return c.redirect(url('/tenants'), 303);
  });

  app.use('*', requireSession(deps, sessions));
  app.get('/', (c) => c.redirect(url('/tenants'), 303));
  app.post('/logout', (c) => {
    sessions.end(c.var.session.id);
    clearSessionCookie(c);
    return c.redirect(url('/login'), 303);
  });
  // One tenant's pages never reach another's: the id is checked before any of them runs.
  app.use('/tenants/:tenant/*', async (c, next) => {
    if (!TENANT_ID.test(c.req.param('tenant'))) return c.text('Not a tenant id', 404);
    await next();
  });
  app.route('/tenants', tenantListPages(deps));
  app.route('/tenants', fhirPages(fetch));
  app.route('/tenants', exportPages(fetch));
  app.route('/tenants', tenantPages(deps));
  app.route('/policies', policyPages(deps));
  app.route('/audit', auditPages(deps));
  return app;
}
