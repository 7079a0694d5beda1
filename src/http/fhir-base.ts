import type { MiddlewareHandler } from 'hono';
import type { AppEnv, Scope } from '../env.js';
import { FhirError } from '../fhir/errors.js';

const TENANT_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;

function checkTenantId(id: string, where: string): string {
  if (!TENANT_ID.test(id)) throw FhirError.badRequest(`Invalid tenant id in ${where}: expected ${TENANT_ID.source}`);
  return id;
}

/** Base URL of the request: origin plus the mount prefix, e.g. http://host/tenants/acme/fhir. */
function baseOf(url: string, prefix: string): string {
  return new URL(url).origin + prefix;
}

/**
 * Which tenant a FHIR request is for (DESIGN.md §3). Existence and status are checked inside the
 * request's transaction by withTenant, so a tenant suspended a moment ago is refused at once.
 */
export function tenantFromHeader(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const header = c.req.header('x-tenant-id');
    if (header === undefined || header === '') {
      throw FhirError.badRequest('No tenant: send X-Tenant-ID or use the per-tenant base URL /tenants/{tenant}/fhir');
    }
    setScope(c, { kind: 'tenant', tenantId: checkTenantId(header, 'X-Tenant-ID') }, '/fhir');
    await next();
  };
}

export function tenantFromPath(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const fromPath = checkTenantId(c.req.param('tenant') ?? '', 'the URL');
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
