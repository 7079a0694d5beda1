import { Hono, type Context } from 'hono';
import type { Tx } from '../db/database.js';
import { withAdmin } from '../db/doors.js';
import type { AppEnv, Deps } from '../env.js';
import { FhirError } from '../core/errors.js';
import { isJsonObject } from '../core/json.js';
import {
  createAnalyticsView, crossTenantSql, dropAnalyticsView, listAnalyticsViews, refreshAnalyticsView,
  sharedViewDefinition, tenantUsage, VIEW_NAME,
} from './analytics-views.js';
import { referencedViewId } from './run-parameters.js';
import { jsonBody } from '../admin/input.js';
import { requireAdmin } from '../http/auth.js';

function viewName(name: string | undefined): string {
  if (name === undefined || !VIEW_NAME.test(name)) throw FhirError.badRequest(`An analytics view name must match ${VIEW_NAME.source}`);
  return name;
}

/** The ViewDefinition of a PUT body: inline (viewResource) or from the shared set (viewReference). */
async function viewOf(tx: Tx, input: Record<string, unknown>): Promise<{ view: unknown; description: string }> {
  if ((input.viewResource === undefined) === (input.viewReference === undefined)) {
    throw FhirError.badRequest('Send exactly one of viewResource and viewReference');
  }
  if (input.viewResource !== undefined) {
    const view = input.viewResource;
    const named = isJsonObject(view) && typeof view.name === 'string' ? view.name : 'inline ViewDefinition';
    return { view, description: named };
  }
  if (typeof input.viewReference !== 'string') throw FhirError.badRequest('viewReference must be a string ViewDefinition/{id}');
  const id = referencedViewId(input.viewReference);
  const view = await sharedViewDefinition(tx, id);
  if (view === undefined) throw FhirError.notFound(`ViewDefinition/${id} is not in the shared set`);
  return { view, description: `ViewDefinition/${id}` };
}

/**
 * /admin/analytics (admin credential), each through the fhir_admin SQL functions:
 *   GET    /views                  the views of schema fhir_analytics
 *   PUT    /views/{name}           (re)create from {viewResource | viewReference, materialized?}
 *   POST   /views/{name}/$refresh  recompute a materialized view
 *   DELETE /views/{name}
 *   GET    /tenants                rows and bytes per tenant (fhir_admin.list_tenant_usage)
 */
export function analyticsAdminRoutes(deps: Deps): Hono<AppEnv> {
  const app = new Hono<AppEnv>({ strict: false });
  app.use('*', requireAdmin(deps.config));
  // The fhir_admin functions record who asked in the audit log (sql/0014).
  const admin = <T>(c: Context<AppEnv>, fn: (tx: Tx) => Promise<T>) => withAdmin(deps.db, fn, c.var.principal.clientId);

  app.get('/views', async (c) => c.json(await admin(c, listAnalyticsViews)));

  app.put('/views/:name', async (c) => {
    const name = viewName(c.req.param('name'));
    const input = await jsonBody(c);
    if (input.materialized !== undefined && typeof input.materialized !== 'boolean') throw FhirError.badRequest('materialized must be a boolean');
    const materialized = input.materialized === true;
    const { view, existed } = await admin(c, async (tx) => {
      const { view: definition, description } = await viewOf(tx, input);
      const sql = crossTenantSql(definition, deps.config.sharedResourceTypes);
      const existed = (await listAnalyticsViews(tx)).some((v) => v.name === name);
      return { view: await createAnalyticsView(tx, name, sql, materialized, description), existed };
    });
    return c.json(view, existed ? 200 : 201);
  });

  app.post('/views/:name/:operation', async (c) => {
    if (c.req.param('operation') !== '$refresh') throw FhirError.notFound('Unknown analytics view operation');
    const name = viewName(c.req.param('name'));
    const views = await admin(c, async (tx) => ((await refreshAnalyticsView(tx, name)) ? listAnalyticsViews(tx) : []));
    const view = views.find((v) => v.name === name);
    if (view === undefined) throw FhirError.notFound(`No materialized analytics view "${name}"`);
    return c.json(view);
  });

  app.delete('/views/:name', async (c) => {
    const name = viewName(c.req.param('name'));
    if (!(await admin(c, (tx) => dropAnalyticsView(tx, name)))) throw FhirError.notFound(`No analytics view "${name}"`);
    return c.body(null, 204);
  });

  app.get('/tenants', async (c) => c.json(await admin(c, tenantUsage)));

  return app;
}
