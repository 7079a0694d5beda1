import type { Context, MiddlewareHandler } from 'hono';
import type { Principal } from '../auth/principal.js';
import type { AppEnv } from '../env.js';
import type { Scope } from '../core/scope.js';
import { FhirError } from '../core/errors.js';
import { TENANT_ID } from '../core/ids.js';

function checkTenantId(id: string, where: string): string {
  if (!TENANT_ID.test(id)) throw FhirError.badRequest(`Invalid tenant id in ${where}: expected ${TENANT_ID.source}`);
  return id;
}

const TENANT_BASE = /^\/tenants\/([^/]{1,63})\/fhir(?:\/|$)/;

/**
 * The tenant a request aimed at, for the refusal log, even when it was refused before its scope
 * was set (by the auth middleware, or for a malformed tenant id): the scope, else what the request
 * named (URL, X-Tenant-ID, token claim). Nothing in it is trusted: the database names the tenant
 * in the row only if it exists.
 */
export function claimedTenant(c: Context<AppEnv>): string | null {
  const scope = c.get('scope');
  if (scope !== undefined) return scope.kind === 'tenant' ? scope.tenantId : null;
  return TENANT_BASE.exec(new URL(c.req.url).pathname)?.[1] ?? c.req.header('x-tenant-id') ?? c.get('principal')?.tenant ?? null;
}

/** Base URL of the request: origin plus the mount prefix, e.g. http://host/tenants/acme/fhir. */
function baseOf(url: string, prefix: string): string {
  return new URL(url).origin + prefix;
}

/**
 * Which tenant a FHIR request is for. Existence and status are checked inside the
 * request's transaction by withTenant, so a tenant suspended a moment ago is refused at once.
 */
export function tenantFromHeader(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const header = c.req.header('x-tenant-id');
    const claim = tokenTenant(c.var.principal);
    if (claim !== undefined) {
      // A verified token names the tenant; the header may only agree with it.
      if (header !== undefined && header !== claim) throw FhirError.forbidden('X-Tenant-ID disagrees with the tenant of the token');
      setScope(c, { kind: 'tenant', tenantId: checkTenantId(claim, 'the token') }, '/fhir');
      return next();
    }
    if (header === undefined || header === '') {
      throw FhirError.badRequest('No tenant: send X-Tenant-ID or use the per-tenant base URL /tenants/{tenant}/fhir');
    }
    setScope(c, { kind: 'tenant', tenantId: checkTenantId(header, 'X-Tenant-ID') }, '/fhir');
    await next();
  };
}

/**
 * The tenant a verified token confines the caller to: its claim. A token without the claim reaches
 * no tenant (only shared reads and, with the admin claim, the admin API): 403. So does the admin
 * token while token verification is on, unless ADMIN_TOKEN_TENANT_ACCESS allows it. Undefined
 * when the caller has no token (gateway mode) or is the operator (admin token).
 */
function tokenTenant(principal: Principal): string | undefined {
  if (principal.kind === 'admin-token' && principal.tenantData === false) {
    throw FhirError.forbidden('The admin token does not reach tenant data while token verification is on (ADMIN_TOKEN_TENANT_ACCESS=true allows it)');
  }
  if (principal.kind !== 'token') return undefined;
  if (principal.tenant === null) throw FhirError.forbidden('The token names no tenant; it can only read the shared set');
  return principal.tenant;
}

export function tenantFromPath(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const fromPath = checkTenantId(c.req.param('tenant') ?? '', 'the URL');
    const claim = tokenTenant(c.var.principal);
    if (claim !== undefined && claim !== fromPath) throw FhirError.forbidden('The tenant in the URL is not the tenant of the token');
    const header = c.req.header('x-tenant-id');
    if (header !== undefined && header !== fromPath) {
      throw FhirError.badRequest('X-Tenant-ID disagrees with the tenant in the URL');
    }
    setScope(c, { kind: 'tenant', tenantId: fromPath }, `/tenants/${fromPath}/fhir`);
    await next();
  };
}

export function sharedBase(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    setScope(c, { kind: 'shared' }, '/shared/fhir');
    await next();
  };
}

function setScope(c: Parameters<MiddlewareHandler<AppEnv>>[0], scope: Scope, prefix: string): void {
  c.set('scope', scope);
  c.set('fhirBase', baseOf(c.req.url, prefix));
}
