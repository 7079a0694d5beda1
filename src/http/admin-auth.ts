import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../env.js';
import { FhirError } from '../fhir/errors.js';

const digest = (s: string) => createHash('sha256').update(s).digest();

/** True when the request carries `Authorization: Bearer <ADMIN_TOKEN>` (constant-time compare). */
export function hasAdminToken(authorization: string | undefined, adminToken: string | undefined): boolean {
  if (adminToken === undefined || authorization === undefined) return false;
  const match = /^Bearer +(\S+)\s*$/i.exec(authorization);
  if (!match?.[1]) return false;
  return timingSafeEqual(digest(match[1]), digest(adminToken));
}

/** Marks admin callers; cheap enough to run on every request. */
export function adminFlag(adminToken: string | undefined): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    c.set('isAdmin', hasAdminToken(c.req.header('authorization'), adminToken));
    await next();
  };
}

export function requireAdmin(adminToken: string | undefined): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (adminToken === undefined) throw FhirError.unauthorized('The admin API is disabled: the server has no ADMIN_TOKEN');
    if (!c.get('isAdmin')) throw FhirError.unauthorized('Admin credential missing or wrong');
    await next();
  };
}
