import { Hono } from 'hono';
import { withAdmin } from '../db/with-tenant.js';
import type { AppEnv, Deps } from '../env.js';
import { FhirError } from '../fhir/errors.js';
import { isJsonObject, type JsonObject } from '../fhir/json.js';
import { requireAdmin } from '../http/admin-auth.js';
import { reindexTenant } from '../fhir/repository/reindex.js';
import { createTenant, getTenant, listTenants, purgeTenant, updateTenant, type Tenant } from './tenants.js';

const TENANT_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;

async function jsonBody(c: { req: { text(): Promise<string> } }): Promise<JsonObject> {
  let body: unknown;
  try {
    body = JSON.parse(await c.req.text());
  } catch {
    throw FhirError.badRequest('The body is not valid JSON');
  }
  if (!isJsonObject(body)) throw FhirError.badRequest('The body must be a JSON object');
  return body;
}

function name(value: unknown, required: boolean): string | undefined {
  if (value === undefined && !required) return undefined;
  if (typeof value !== 'string' || value.trim() === '' || value.length > 200) {
    throw FhirError.badRequest('name must be a non-empty string of at most 200 characters', ['name']);
  }
  return value;
}

function config(value: unknown): Record<string, unknown> | undefined {
  if (value === undefined) return undefined;
  if (!isJsonObject(value)) throw FhirError.badRequest('config must be a JSON object', ['config']);
  return value;
}

function tenantId(value: unknown): string {
  if (typeof value !== 'string' || !TENANT_ID.test(value)) {
    throw FhirError.badRequest(`Tenant id must match ${TENANT_ID.source}`, ['id']);
  }
  return value;
}

function found(t: Tenant | undefined, id: string): Tenant {
  if (t === undefined) throw FhirError.notFound(`Unknown tenant "${id}"`);
  return t;
}

/** /admin/tenants: tenant lifecycle, authorized by ADMIN_TOKEN, executed by the fhir_admin SQL functions. */
export function adminRoutes(deps: Deps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use('*', requireAdmin(deps.config.adminToken));
  const admin = <T>(fn: Parameters<typeof withAdmin<T>>[1]) => withAdmin(deps.db, fn);

  app.post('/tenants', async (c) => {
    const body = await jsonBody(c);
    const id = tenantId(body.id);
    const tenant = await admin((tx) => createTenant(tx, id, name(body.name, true) ?? id, config(body.config) ?? {}));
    c.header('Location', `${new URL(c.req.url).origin}/admin/tenants/${id}`);
    return c.json(tenant, 201);
  });

  app.get('/tenants', async (c) => c.json(await admin(listTenants)));

  app.get('/tenants/:id', async (c) => {
    const id = tenantId(c.req.param('id'));
    return c.json(found(await admin((tx) => getTenant(tx, id)), id));
  });

  app.patch('/tenants/:id', async (c) => {
    const id = tenantId(c.req.param('id'));
    const body = await jsonBody(c);
    const status = body.status;
    if (status !== undefined && status !== 'active' && status !== 'suspended') {
      throw FhirError.badRequest('status must be "active" or "suspended"', ['status']);
    }
    const change = { name: name(body.name, false), status: status as Tenant['status'] | undefined, config: config(body.config) };
    return c.json(found(await admin((tx) => updateTenant(tx, id, change)), id));
  });

  // Rebuilds the tenant's search indexes from its stored resources (R4 definitions changed, etc.).
  app.post('/tenants/:id/:operation', async (c) => {
    if (c.req.param('operation') !== '$reindex') throw FhirError.notFound(`Unknown tenant operation`);
    const id = tenantId(c.req.param('id'));
    found(await admin((tx) => getTenant(tx, id)), id);
    return c.json({ id, reindexed: await reindexTenant(deps.db, id) });
  });

  app.delete('/tenants/:id', async (c) => {
    const id = tenantId(c.req.param('id'));
    const deleted = await admin((tx) => purgeTenant(tx, id));
    if (deleted === undefined) throw FhirError.notFound(`Unknown tenant "${id}"`);
    return c.json({ id, purged: true, rowsDeleted: deleted });
  });

  return app;
}
