import { FhirError } from '../core/errors.js';
import type { TenantRecord } from '../db/doors.js';

/** A tenant's configuration (tenant.config), read leniently: unknown or malformed keys mean the default. */
export interface TenantSettings {
  /** Only these types exist for the tenant (others 404, absent from its CapabilityStatement); undefined: all. */
  resourceTypes: ReadonlySet<string> | undefined;
  validation: boolean;
  referentialIntegrity: boolean;
  maxCount: number | undefined;
  maxBundleEntries: number | undefined;
  rateLimit: { requestsPerSecond: number; burst: number } | undefined;
}

const positive = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : undefined);

export function tenantSettings(tenant: Pick<TenantRecord, 'config'>): TenantSettings {
  const c = tenant.config;
  const types = Array.isArray(c.resourceTypes) ? new Set(c.resourceTypes.filter((t): t is string => typeof t === 'string')) : undefined;
  const rl = c.rateLimit as { requestsPerSecond?: unknown; burst?: unknown } | undefined;
  const rps = positive(rl?.requestsPerSecond);
  return {
    resourceTypes: types,
    validation: c.validation !== false,
    referentialIntegrity: c.referentialIntegrity !== false,
    maxCount: positive(c.maxCount),
    maxBundleEntries: positive(c.maxBundleEntries),
    rateLimit: rps === undefined ? undefined : { requestsPerSecond: rps, burst: positive(rl?.burst) ?? Math.max(1, Math.ceil(rps)) },
  };
}

export function enabledType(settings: Pick<TenantSettings, 'resourceTypes'>, type: string): boolean {
  return settings.resourceTypes === undefined || settings.resourceTypes.has(type);
}

/** The one rule for a type the tenant has not enabled: it does not exist there (404). */
export function assertEnabled(settings: Pick<TenantSettings, 'resourceTypes'>, type: string): void {
  if (!enabledType(settings, type)) throw FhirError.notFound(`${type} is not enabled for this tenant`);
}
