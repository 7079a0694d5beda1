import { Hono } from 'hono';
import { adminRoutes } from './admin/routes.js';
import { analyticsAdminOperations, analyticsAdminRoutes } from './analytics/admin-routes.js';
import { analyticsExtensions } from './analytics/extensions.js';
import { consoleRoutes } from './console/routes.js';
import { bulkExtensions } from './bulk/extensions.js';
import { mergeExtensions } from './fhir/extensions.js';
import { importExtensions } from './bulk/import-operation.js';
import { searchParamExtensions } from './fhir/custom-params/extensions.js';
import { terminologyExtensions } from './fhir/terminology/extensions.js';
import { everythingExtensions } from './fhir/everything/extensions.js';
import type { AppEnv, BaseDeps, Deps } from './env.js';
import { FhirError, outcome } from './core/errors.js';
import { Metrics } from './http/metrics.js';
import { fhirRoutes } from './fhir/routes.js';
import { isAuthFailure, unavailableReason } from './fhir/db-errors.js';
import { authenticate } from './http/auth.js';
import { PolicyStore } from './auth/policy-store.js';
import { RateLimiter } from './auth/rate-limit.js';
import { createVerifier } from './auth/token.js';
import { renderError } from './http/errors.js';
import { recordRefusals } from './http/refusals.js';
import { sharedBase, tenantFromHeader, tenantFromPath } from './http/fhir-base.js';
import { jsonBodyLimits } from './http/json-body.js';
import { requestBody } from './http/request-body.js';
import { compress } from './http/compress.js';
import { cors } from './http/cors.js';
import { negotiate } from './http/format.js';
import { smartRoutes } from './http/smart.js';
import { requestLog } from './http/request-log.js';

/**
 * Middleware order (docs/architecture.md): log → auth → body limit → tenant (per base) → handler, where
 * the access check runs inside the request's transaction, once the tenant is known. The
 * same FHIR route table serves the three bases; only the scope middleware differs.
 */
export function createApp(base: BaseDeps): Hono<AppEnv> {
  const deps: Deps = {
    ...base,
    services: { policies: new PolicyStore(base.db, base.log), verifier: createVerifier(base.config.auth), limiter: new RateLimiter() },
    // Each feature's types and operations (fhir/extensions.ts); a key claimed twice fails at start.
    extensions: mergeExtensions(analyticsExtensions(), searchParamExtensions(), everythingExtensions(), bulkExtensions(), importExtensions(), terminologyExtensions()),
  };
  const metrics = new Metrics(deps.db, deps.config.metricsTenantLabel);
  const app = new Hono<AppEnv>({ strict: false });
  app.use('*', requestLog(deps.log));
  app.use('*', metrics.middleware());
  app.use('*', compress());
  app.use('*', cors(deps.config.corsOrigins));
  // Liveness: the process answers. Readiness: the database answers too (load balancers stop
  // sending traffic while it does not). Metrics: for the scraper; keep it off the public network.
  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', async (c) => {
    try {
      await withTimeout(deps.db.ping(), 2000);
      return c.json({ status: 'ready' });
    } catch (err) {
      const diagnostics = unavailableReason(err);
      return c.json(outcome([{ severity: 'error', code: isAuthFailure(err) ? 'security' : 'transient', diagnostics }]), 503);
    }
  });
  app.get('/metrics', async (c) => c.body(await metrics.registry.metrics(), 200, { 'Content-Type': metrics.registry.contentType }));
  // Read before a client has a token: routed ahead of authentication, and nothing else is.
  app.route('/', smartRoutes(deps.config));
  app.use('*', recordRefusals(deps.db, deps.log));
  // The operator console signs in with a form and a cookie, not a bearer token (console/routes.tsx).
  app.route('/console', consoleRoutes(deps, async (req) => app.fetch(req)));
  app.use('*', authenticate(deps.config.adminToken, deps.services.verifier, deps.config.adminTokenTenantAccess));
  app.use('*', requestBody(deps.config.maxBodyBytes));
  app.use('*', jsonBodyLimits(deps.config.maxJsonDepth));

  app.route('/admin/analytics', analyticsAdminRoutes(deps));
  app.route('/admin', adminRoutes(deps, [{ prefix: '/admin/analytics', routes: analyticsAdminOperations }]));

  const fhir = fhirRoutes(deps);
  // Operations that own their output formats ($run: csv, ndjson, json) skip the negotiation.
  const ownFormats = negotiate(new Set([...deps.extensions.operations.keys()].map((k) => k.slice(k.indexOf('/') + 1))));
  for (const base of ['/fhir/*', '/tenants/:tenant/fhir/*', '/shared/fhir/*']) app.use(base, ownFormats);
  app.use('/fhir/*', tenantFromHeader());
  app.route('/fhir', fhir);
  app.use('/tenants/:tenant/fhir/*', tenantFromPath());
  app.route('/tenants/:tenant/fhir', fhir);
  app.use('/shared/fhir/*', sharedBase());
  app.route('/shared/fhir', fhir);

  app.notFound((c) => {
    throw FhirError.notFound(`Nothing at ${new URL(c.req.url).pathname.slice(0, 200)}`);
  });
  app.onError(renderError(deps.log, metrics));
  return app;
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error('timeout')), ms).unref())]);
}
