import { Hono, type Context } from 'hono';
import { withAdmin } from '../db/doors.js';
import type { AppEnv, Deps } from '../env.js';
import { FhirError } from '../core/errors.js';
import { isJsonObject } from '../core/json.js';
import { auditInTransaction } from '../auth/audit.js';
import { jsonBody, tenantId } from './input.js';
import { exportTenant } from './export.js';
import { policyRoutes } from './policy-routes.js';
import { requireAdmin } from '../http/auth.js';
import { reindexTenant } from '../fhir/repository/reindex.js';
import { createTenant, getTenant, listTenants, purgeTenant, updateTenant, type Tenant } from './tenants.js';

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

function found(t: Tenant | undefined, id: string): Tenant {
  if (t === undefined) throw FhirError.notFound(`Unknown tenant "${id}"`);
  return t;
}

/**
 * The admin API: tenant lifecycle, access policies, audit log. Authorized by the admin token or an
 * admin claim; executed by the fhir_admin SQL functions; every change recorded in the audit log
 * in its own transaction.
 */
export function adminRoutes(deps: Deps): Hono<AppEnv> {
  const app = new Hono<AppEnv>({ strict: false });
  app.use('*', requireAdmin(deps.config));
  // The fhir_admin functions that change something record themselves in the audit log (sql/0014),
  // naming the actor given here; reads and the server-side operations are recorded by `audited`.
  const admin = <T>(c: Context<AppEnv>, fn: Parameters<typeof withAdmin<T>>[1]) => withAdmin(deps.db, fn, c.var.principal.clientId);
  const audited = <T>(c: Context<AppEnv>, tenant: string | null, action: string, fn: Parameters<typeof withAdmin<T>>[1]) =>
    admin(c, async (tx) => {
      const result = await fn(tx);
      await auditInTransaction(tx, { tenant, client: c.var.principal.clientId, action, outcome: 'done' });
      return result;
    });
  app.route('/', policyRoutes(deps));

  app.get('/audit', async (c) => {
    const tenant = c.req.query('tenant');
    const limit = Number(c.req.query('limit') ?? 100);
    if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) throw FhirError.badRequest('limit must be 1..10000');
    const rows = await admin(c, (tx) => tx.query(
      `select id, to_char(at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as at, tenant, client, action, outcome, detail
         from fhir_admin.read_audit($1, $2)`, [tenant === undefined ? null : tenantId(tenant), limit]));
    return c.json(rows);
  });

  app.post('/tenants', async (c) => {
    const body = await jsonBody(c);
    const id = tenantId(body.id);
    const tenant = await admin(c, (tx) => createTenant(tx, id, name(body.name, true) ?? id, config(body.config) ?? {}));
    c.header('Location', `${new URL(c.req.url).origin}/admin/tenants/${id}`);
    return c.json(tenant, 201);
  });

  app.get('/tenants', async (c) => c.json(await admin(c, listTenants)));

  app.get('/tenants/:id', async (c) => {
    const id = tenantId(c.req.param('id'));
    return c.json(found(await admin(c, (tx) => getTenant(tx, id)), id));
  });

  app.patch('/tenants/:id', async (c) => {
    const id = tenantId(c.req.param('id'));
    const body = await jsonBody(c);
    const status = body.status;
    if (status !== undefined && status !== 'active' && status !== 'suspended') {
      throw FhirError.badRequest('status must be "active" or "suspended"', ['status']);
    }
    const change = { name: name(body.name, false), status: status as Tenant['status'] | undefined, config: config(body.config) };
    const updated = await admin(c, (tx) => updateTenant(tx, id, change));
    // The rate limit this process remembers (auth/rate-limit.ts) follows the change at once.
    deps.services.limiter.forget(id);
    return c.json(found(updated, id));
  });

  // Rebuilds the tenant's search indexes from its stored resources (R4 definitions changed, etc.).
  app.post('/tenants/:id/:operation', async (c) => {
    if (c.req.param('operation') !== '$reindex') throw FhirError.notFound(`Unknown tenant operation`);
    const id = tenantId(c.req.param('id'));
    found(await audited(c, id, 'reindex', (tx) => getTenant(tx, id)), id);
    return c.json({ id, reindexed: await reindexTenant(deps.db, id) });
  });

  // Every current resource of the tenant as NDJSON, streamed (suspended tenants too: export before purge).
  app.get('/tenants/:id/:operation', async (c) => {
    if (c.req.param('operation') !== '$export') throw FhirError.notFound(`Unknown tenant operation`);
    const id = tenantId(c.req.param('id'));
    found(await audited(c, id, 'export', (tx) => getTenant(tx, id)), id);
    return exportTenant(c, deps.db, id);
  });

  app.delete('/tenants/:id', async (c) => {
    const id = tenantId(c.req.param('id'));
    const deleted = await admin(c, (tx) => purgeTenant(tx, id));
    deps.services.limiter.forget(id);
    if (deleted === undefined) throw FhirError.notFound(`Unknown tenant "${id}"`);
    return c.json({ id, purged: true, rowsDeleted: deleted });
  });

  return app;
}
