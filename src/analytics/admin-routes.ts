import { Hono } from 'hono';
import type { AppEnv, Deps } from '../env.js';
import { requireAdmin } from '../http/admin-auth.js';

/** /admin/analytics: operator and analyst endpoints of SQL on FHIR (views for cross-tenant SQL). */
export function analyticsAdminRoutes(deps: Deps): Hono<AppEnv> {
  const app = new Hono<AppEnv>({ strict: false });
  app.use('*', requireAdmin(deps.config.adminToken));
  return app;
}
