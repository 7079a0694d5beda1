import type { Context, MiddlewareHandler } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { principalOf } from '../http/auth.js';
import type { Principal } from '../auth/principal.js';
import type { Deps } from '../env.js';
import type { ConsoleEnv, FormValue } from './env.js';
import { csrfMatches, type ConsoleSession, type SessionStore } from './session.js';

export const COOKIE = 'fhir_console';
export const CONSOLE_PATH = '/console';

/**
 * Every console answer: no script but our own file, no framing, no caching of patient data, and
 * no Referer carrying a search of it to another site.
 */
export const securityHeaders: MiddlewareHandler<ConsoleEnv> = async (c, next) => {
  await next();
  c.res.headers.set('Content-Security-Policy',
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'");
  c.res.headers.set('X-Content-Type-Options', 'nosniff');
  // same-origin, not no-referrer: with no-referrer a browser sends `Origin: null` on our own form posts.
  c.res.headers.set('Referrer-Policy', 'same-origin');
  c.res.headers.set('X-Frame-Options', 'DENY');
  if (!c.res.headers.has('Cache-Control')) c.res.headers.set('Cache-Control', 'no-store');
};

const secure = (c: Context) => new URL(c.req.url).protocol === 'https:' || c.req.header('x-forwarded-proto') === 'https';

/** The session cookie: HttpOnly, SameSite=Strict, Path=/console, no Max-Age (the browser session only). */
export function setSessionCookie(c: Context<ConsoleEnv>, session: ConsoleSession): void {
  setCookie(c, COOKIE, session.id, { httpOnly: true, sameSite: 'Strict', path: CONSOLE_PATH, secure: secure(c) });
}

export function clearSessionCookie(c: Context<ConsoleEnv>): void {
  deleteCookie(c, COOKIE, { path: CONSOLE_PATH, secure: secure(c), httpOnly: true, sameSite: 'Strict' });
}

/** The admin principal of a session's credential, checked again now (the same check as the API's); undefined when it no longer is one. */
export async function adminPrincipal(deps: Deps, token: string): Promise<Principal | undefined> {
  try {
    const p = await principalOf(token, deps.config.adminToken, deps.services.verifier, deps.config.adminTokenTenantAccess);
    return p.admin ? p : undefined;
  } catch {
    return undefined;
  }
}

/** A cross-site POST carries another Origin: refused whatever its cookie (SameSite is the first line, this the second). */
export function sameOrigin(c: Context): boolean {
  const origin = c.req.header('origin');
  return origin === undefined || origin === new URL(c.req.url).origin;
}

/**
 * Pages behind the login: a live session whose credential is still an admin one; a POST also
 * needs the session's CSRF token and our own Origin. The form is parsed here, once.
 */
export function requireSession(deps: Deps, sessions: SessionStore): MiddlewareHandler<ConsoleEnv> {
  return async (c, next) => {
    const session = sessions.get(getCookie(c, COOKIE));
    const principal = session === undefined ? undefined : await adminPrincipal(deps, session.token);
    if (session === undefined || principal === undefined) {
      if (session) sessions.end(session.id);
      clearSessionCookie(c);
      if (c.req.method !== 'GET') return c.text('Your console session has ended: log in again.', 401);
      return c.redirect(`${CONSOLE_PATH}/login`, 303);
    }
    c.set('session', session);
    c.set('principal', principal);
    let form: Record<string, FormValue> = {};
    if (c.req.method === 'POST') {
      if (!sameOrigin(c)) return c.text('Cross-site request refused', 403);
      const type = c.req.header('content-type') ?? '';
      if (type.startsWith('application/x-www-form-urlencoded') || type.startsWith('multipart/form-data')) form = await c.req.parseBody({ all: true });
      if (!csrfMatches(session, form._csrf)) return c.text('The form is stale or forged (CSRF token missing or wrong): reload the page.', 403);
    }
    c.set('form', form);
    await next();
  };
}

/** A form field as one string ('' when absent; the first of several). */
export function field(c: Context<ConsoleEnv>, name: string): string {
  const v = c.var.form[name];
  const first = Array.isArray(v) ? v[0] : v;
  return typeof first === 'string' ? first : '';
}

/** An uploaded file of the form, as text; undefined when none was chosen. */
export async function fileField(c: Context<ConsoleEnv>, name: string): Promise<string | undefined> {
  const v = c.var.form[name];
  const first = Array.isArray(v) ? v[0] : v;
  if (first === undefined || typeof first === 'string' || first.size === 0) return undefined;
  return first.text();
}
