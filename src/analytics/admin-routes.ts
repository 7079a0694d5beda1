import type { Hono } from 'hono';
import type { Tx } from '../db/database.js';
import type { AppEnv, Deps } from '../env.js';
import { FhirError } from '../core/errors.js';
import { isJsonObject } from '../core/json.js';
import {
  createAnalyticsView, crossTenantSql, dropAnalyticsView, listAnalyticsViews, refreshAnalyticsView,
  sharedViewDefinition, tenantUsage, VIEW_NAME,
} from './analytics-views.js';
import { referencedViewId } from './run-parameters.js';
import { boolean, jsonObject, object, optional, text } from '../admin/input.js';
import { asAdmin, mount, operation, type Caller, type Route } from '../admin/operation.js';

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

const VIEW = text({ pattern: VIEW_NAME, description: `an analytics view name matching ${VIEW_NAME.source}` });
const VIEW_SCHEMA = { type: 'object', properties: { name: { type: 'string' }, materialized: { type: 'boolean' }, description: { type: ['string', 'null'] } } };

export const listViewsOp = operation({
  method: 'get', path: '/views', tag: 'analytics', summary: 'The views of schema fhir_analytics',
  success: { status: 200, description: 'every view', schema: { type: 'array', items: VIEW_SCHEMA } },
  run: (call) => asAdmin(call, listAnalyticsViews),
});

export const putViewOp = operation({
  method: 'put', path: '/views/:name', tag: 'analytics', summary: '(Re)create an analytics view over every tenant from a ViewDefinition',
  params: { name: VIEW },
  body: object({
    viewResource: optional(jsonObject('an inline ViewDefinition')),
    viewReference: optional(text({ maxLength: 200, description: 'ViewDefinition/{id} of the shared set' })),
    materialized: optional(boolean('a materialized view (refresh with $refresh)')),
  }, 'exactly one of viewResource and viewReference'),
  success: { status: 201, description: 'the view created (200 when it replaced one)', schema: VIEW_SCHEMA },
  run: async (call, { params, body }) => asAdmin(call, async (tx) => {
    const { view: definition, description } = await viewOf(tx, body);
    const sql = crossTenantSql(definition, call.deps.config.sharedResourceTypes);
    const existed = (await listAnalyticsViews(tx)).some((v) => v.name === params.name);
    return { view: await createAnalyticsView(tx, params.name, sql, body.materialized === true, description), existed };
  }),
  reply: (c, { view, existed }) => c.json(view, existed ? 200 : 201),
});

export const refreshViewOp = operation({
  method: 'post', path: '/views/:name/$refresh', tag: 'analytics', summary: 'Recompute a materialized analytics view', params: { name: VIEW },
  success: { status: 200, description: 'the view', schema: VIEW_SCHEMA },
  run: async (call, { params }) => {
    const views = await asAdmin(call, async (tx) => ((await refreshAnalyticsView(tx, params.name)) ? listAnalyticsViews(tx) : []));
    const view = views.find((v) => v.name === params.name);
    if (view === undefined) throw FhirError.notFound(`No materialized analytics view "${params.name}"`);
    return view;
  },
});

export const dropViewOp = operation({
  method: 'delete', path: '/views/:name', tag: 'analytics', summary: 'Drop an analytics view', params: { name: VIEW },
  success: { status: 204, description: 'dropped' },
  run: async (call, { params }) => {
    if (!(await asAdmin(call, (tx) => dropAnalyticsView(tx, params.name)))) throw FhirError.notFound(`No analytics view "${params.name}"`);
  },
});

export const tenantUsageOp = operation({
  method: 'get', path: '/tenants', tag: 'analytics', summary: 'Resources, rows and bytes per tenant (fhir_admin.list_tenant_usage)',
  success: {
    status: 200, description: 'one entry per tenant',
    schema: { type: 'array', items: { type: 'object', properties: { id: { type: 'string' }, name: { type: 'string' }, status: { type: 'string' }, resources: { type: 'integer' }, totalRows: { type: 'integer' }, totalBytes: { type: 'integer' } } } },
  },
  run: (call) => asAdmin(call, tenantUsage),
});

/** /admin/analytics (admin credential), each through the fhir_admin SQL functions. */
export const analyticsAdminOperations: readonly Route[] = [listViewsOp, putViewOp, refreshViewOp, dropViewOp, tenantUsageOp];

export const analyticsAdminRoutes = (deps: Deps): Hono<AppEnv> => mount(deps, analyticsAdminOperations);
