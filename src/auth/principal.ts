import type { ScopeGrant } from './scopes.js';

/** Who is calling (auth: before tenant and access). */
export interface Principal {
  /** gateway: no token verification configured, X-Tenant-ID trusted; token: a verified JWT; admin-token: ADMIN_TOKEN. */
  kind: 'gateway' | 'token' | 'admin-token';
  /** client_id, else azp, else sub; null when unknown (gateway mode). Access policies name it. */
  clientId: string | null;
  /** The tenant claim of a token; null without one. */
  tenant: string | null;
  admin: boolean;
  /** SMART grants of a token; null: not limited by scopes (gateway, admin token). */
  scopes: ScopeGrant[] | null;
  /** Admin token only: false when it may not reach tenant data (token verification on, no ADMIN_TOKEN_TENANT_ACCESS). */
  tenantData?: boolean;
}

export const GATEWAY: Principal = { kind: 'gateway', clientId: null, tenant: null, admin: false, scopes: null };
export const ADMIN_TOKEN_PRINCIPAL: Principal = { kind: 'admin-token', clientId: 'admin-token', tenant: null, admin: true, scopes: null };
