import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { ADMIN_TOKEN_PRINCIPAL, GATEWAY, type Principal } from '../auth/principal.js';
import type { TokenVerifier } from '../auth/token.js';
import { authConfigured, type Config } from '../config.js';
import type { AppEnv } from '../env.js';
import { FhirError } from '../core/errors.js';

const digest = (s: string) => createHash('sha256').update(s).digest();

function bearer(authorization: string | undefined): string | undefined {
  return /^Bearer +(\S+)\s*$/i.exec(authorization ?? '')?.[1];
}

/** True when the token is ADMIN_TOKEN (constant-time compare). */
export function isAdminToken(token: string | undefined, adminToken: string | undefined): boolean {
  if (adminToken === undefined || token === undefined) return false;
  return timingSafeEqual(digest(token), digest(adminToken));
}

/** With token verification on, the admin token keeps the admin API and shared-set writes only. */
const ADMIN_TOKEN_NO_TENANTS: Principal = { ...ADMIN_TOKEN_PRINCIPAL, tenantData: false };

/** Who the admin token is under this configuration (also what /admin/access/explain judges). */
export function adminTokenPrincipal(verifier: TokenVerifier | undefined, adminTenantAccess: boolean): Principal {
  return verifier === undefined || adminTenantAccess ? ADMIN_TOKEN_PRINCIPAL : ADMIN_TOKEN_NO_TENANTS;
}

/**
 * Who is calling. ADMIN_TOKEN: the operator. With token verification
 * configured, every other request needs a valid JWT (401 otherwise) and X-Tenant-ID alone is never
 * trusted; the admin token then reaches no tenant's data unless `adminTenantAccess`
 * (ADMIN_TOKEN_TENANT_ACCESS). Without it (gateway mode) the caller is whoever the gateway in front
 * says it is.
 */
export function authenticate(adminToken: string | undefined, verifier: TokenVerifier | undefined, adminTenantAccess = false): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    c.set('principal', await principalOf(bearer(c.req.header('authorization')), adminToken, verifier, adminTenantAccess));
    await next();
  };
}

/** Who a bearer token (or none) is: the one check, used by `authenticate` and the console's login. */
export async function principalOf(
  token: string | undefined, adminToken: string | undefined, verifier: TokenVerifier | undefined, adminTenantAccess = false,
): Promise<Principal> {
  if (isAdminToken(token, adminToken)) return adminTokenPrincipal(verifier, adminTenantAccess);
  if (verifier === undefined) return GATEWAY;
  if (token === undefined) throw FhirError.unauthorized('A bearer token is required');
  return verifier(token);
}

/** The admin routes: the admin token, or a verified token with the admin claim. */
export function requireAdmin(config: Config): MiddlewareHandler<AppEnv> {
  const enabled = config.adminToken !== undefined || authConfigured(config.auth);
  return async (c, next) => {
    if (!enabled) throw FhirError.unauthorized('The admin API is disabled: the server has no ADMIN_TOKEN');
    if (!c.var.principal.admin) throw FhirError.unauthorized('Admin credential missing or wrong');
    await next();
  };
}
