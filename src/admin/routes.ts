import type { Hono } from 'hono';
import type { Tx } from '../db/database.js';
import type { AppEnv, Deps } from '../env.js';
import { FhirError } from '../core/errors.js';
import { auditInTransaction } from '../auth/audit.js';
import { reindexTenant } from '../fhir/repository/reindex.js';
import { drainReindexRequests } from '../fhir/repository/reindex-queue.js';
import { integer, instant, object, oneOf, optional, TENANT, TENANT_CONFIG, text } from './input.js';
import { exportTenant } from './export.js';
import { readAudit, AUDIT_WINDOW } from './audit.js';
import { listReindexRequests, requestReindex } from './reindex-requests.js';
import { asAdmin, mount, operation, type Caller, type Route } from './operation.js';
import { policyOperations } from './policy-routes.js';
import { openApiOperation, type Mounted } from './openapi.js';
import { createTenant, getTenant, listTenants, purgeTenant, updateTenant, type Tenant } from './tenants.js';

// The fhir_admin functions that change something record themselves in the audit log (sql/0014),
// naming the actor asAdmin gives; reads and the server-side operations are recorded by `audited`.
const audited = <T>(call: Caller, tenant: string | null, action: string, fn: (tx: Tx) => Promise<T>) =>
  asAdmin(call, async (tx) => {
    const result = await fn(tx);
    await auditInTransaction(tx, { tenant, client: call.principal.clientId, action, outcome: 'done' });
    return result;
  });

function found<T>(t: T | undefined, id: string): T {
  if (t === undefined) throw FhirError.notFound(`Unknown tenant "${id}"`);
  return t;
}

const NAME = text({ nonEmpty: true, maxLength: 200, description: 'a non-empty name of at most 200 characters' });
const TENANT_SCHEMA = {
  type: 'object',
  properties: {
    id: TENANT.schema, name: { type: 'string' }, status: { type: 'string', enum: ['active', 'suspended'] },
    config: { type: 'object' }, createdAt: { type: 'string', format: 'date-time' },
  },
  required: ['id', 'name', 'status', 'config', 'createdAt'],
};
const REINDEX_REQUEST_SCHEMA = {
  type: 'object',
  properties: {
    tenant: { type: 'string' }, requestedAt: { type: 'string' }, startedAt: { type: ['string', 'null'] },
    finishedAt: { type: ['string', 'null'] }, resources: { type: ['integer', 'null'] }, error: { type: ['string', 'null'] },
  },
};
const byId = { id: TENANT };

export const listTenantsOp = operation({
  method: 'get', path: '/tenants', tag: 'tenants', summary: 'List the tenants',
  success: { status: 200, description: 'every tenant', schema: { type: 'array', items: TENANT_SCHEMA } },
  run: (call) => asAdmin(call, listTenants),
});

export const createTenantOp = operation({
  method: 'post', path: '/tenants', tag: 'tenants', summary: 'Create a tenant',
  body: object({ id: TENANT, name: optional(NAME), config: optional(TENANT_CONFIG) }),
  success: { status: 201, description: 'the tenant created (Location: its admin URL)', schema: TENANT_SCHEMA },
  run: (call, { body }) => asAdmin(call, (tx) => createTenant(tx, body.id, body.name ?? body.id, body.config ?? {})),
  reply: (c, tenant, call) => {
    c.header('Location', `${call.origin}/admin/tenants/${tenant.id}`);
    return c.json(tenant, 201);
  },
});

export const getTenantOp = operation({
  method: 'get', path: '/tenants/:id', tag: 'tenants', summary: 'Read a tenant', params: byId,
  success: { status: 200, description: 'the tenant', schema: TENANT_SCHEMA },
  run: async (call, { params }) => found(await asAdmin(call, (tx) => getTenant(tx, params.id)), params.id),
});

export const updateTenantOp = operation({
  method: 'patch', path: '/tenants/:id', tag: 'tenants', summary: 'Rename, suspend, resume or reconfigure a tenant', params: byId,
  body: object({ name: optional(NAME), status: optional(oneOf(['active', 'suspended'] as const)), config: optional(TENANT_CONFIG) }),
  success: { status: 200, description: 'the tenant changed', schema: TENANT_SCHEMA },
  run: async (call, { params, body }) => {
    const updated = await asAdmin(call, (tx) => updateTenant(tx, params.id, body));
    // The rate limit this process remembers (auth/rate-limit.ts) follows the change at once.
    call.deps.services.limiter.forget(params.id);
    return found(updated, params.id);
  },
});

export const purgeTenantOp = operation({
  method: 'delete', path: '/tenants/:id', tag: 'tenants', summary: 'Purge a tenant: delete every row it has in every tenant table', params: byId,
  success: { status: 200, description: 'rows deleted per table', schema: { type: 'object', properties: { id: { type: 'string' }, purged: { type: 'boolean' }, rowsDeleted: { type: 'object' } } } },
  run: async (call, { params }) => {
    const deleted = await asAdmin(call, (tx) => purgeTenant(tx, params.id));
    call.deps.services.limiter.forget(params.id);
    return { id: params.id, purged: true, rowsDeleted: found(deleted, params.id) };
  },
});

// Rebuilds the tenant's search indexes from its stored resources (R4 definitions changed, etc.).
export const reindexTenantOp = operation({
  method: 'post', path: '/tenants/:id/$reindex', tag: 'tenants', summary: 'Rebuild the tenant\'s search indexes now (answers when done)', params: byId,
  success: { status: 200, description: 'resources reindexed', schema: { type: 'object', properties: { id: { type: 'string' }, reindexed: { type: 'integer' } } } },
  run: async (call, { params }) => {
    found(await audited(call, params.id, 'reindex', (tx) => getTenant(tx, params.id)), params.id);
    return { id: params.id, reindexed: await reindexTenant(call.deps.db, params.id) };
  },
});

// Every current resource of the tenant as NDJSON, streamed (suspended tenants too: export before purge).
export const exportTenantOp = operation({
  method: 'get', path: '/tenants/:id/$export', tag: 'tenants', summary: 'Every current resource of the tenant as NDJSON', params: byId,
  // Read again by exportTenant, which owns the rule (exportTypes); declared here for the description.
  query: { _type: optional(text({ maxLength: 4000, description: 'a comma-separated list of R4 resource types (default: every type)' })) },
  success: { status: 200, description: 'one resource per line', mediaType: 'application/fhir+ndjson', schema: { type: 'string' } },
  run: async (call, { params }) => found(await audited(call, params.id, 'export', (tx) => getTenant(tx, params.id)), params.id),
  reply: (c, tenant, call) => exportTenant(c, call.deps.db, tenant.id),
});

/** Drains the queue in the background (the server's worker also does, every 10 s); one drain at a time per process. */
let draining: Promise<unknown> | undefined;
function drainSoon(deps: Deps): void {
  if (draining) return;
  draining = drainReindexRequests(deps.db)
    .catch((err: unknown) => deps.log.error({ err }, 'reindex requests failed'))
    .finally(() => { draining = undefined; });
}

export const requestReindexOp = operation({
  method: 'post', path: '/reindex-requests', tag: 'tenants', summary: 'Queue a reindex of a tenant (poll GET /admin/reindex-requests for its progress)',
  body: object({ tenant: TENANT }),
  success: { status: 202, description: 'the request queued', schema: REINDEX_REQUEST_SCHEMA },
  run: async (call, { body }) => {
    const queued = found(await asAdmin(call, (tx) => requestReindex(tx, body.tenant)), body.tenant);
    drainSoon(call.deps);
    return queued;
  },
  reply: (c, queued) => c.json(queued, 202),
});

export const listReindexRequestsOp = operation({
  method: 'get', path: '/reindex-requests', tag: 'tenants', summary: 'Reindex requests: queued, running (startedAt) and finished',
  success: { status: 200, description: 'every request, oldest first', schema: { type: 'array', items: REINDEX_REQUEST_SCHEMA } },
  run: (call) => asAdmin(call, listReindexRequests),
});

export const readAuditOp = operation({
  method: 'get', path: '/audit', tag: 'audit', summary: `The audit log, newest first (filters look at the newest ${AUDIT_WINDOW} entries)`,
  query: {
    tenant: optional(TENANT),
    client: optional(text({ maxLength: 200, description: 'a client id' })),
    outcome: optional(text({ maxLength: 100, description: 'an outcome such as done, refused, not found' })),
    since: optional(instant('entries at or after this instant')),
    until: optional(instant('entries before this instant')),
    before: optional(text({ pattern: /^[0-9a-f-]{36}$/, description: 'the id of the last entry of the previous page' })),
    limit: optional(integer({ minimum: 1, maximum: AUDIT_WINDOW, description: 'entries per page (default 100)' })),
  },
  success: { status: 200, description: 'the entries', schema: { type: 'array', items: { type: 'object' } } },
  run: (call, { query }) => asAdmin(call, (tx) => readAudit(tx, { ...query, limit: query.limit ?? 100 })),
});

export const tenantOperations: readonly Route[] = [
  readAuditOp, createTenantOp, listTenantsOp, getTenantOp, updateTenantOp, reindexTenantOp, exportTenantOp, purgeTenantOp,
  requestReindexOp, listReindexRequestsOp,
];

/**
 * The admin API: tenant lifecycle, access policies, audit log, and GET /openapi.json describing
 * every table mounted under /admin (`others`: mounted by app.ts, e.g. /admin/analytics).
 */
export function adminRoutes(deps: Deps, others: readonly Mounted[] = []): Hono<AppEnv> {
  const own: Mounted = { prefix: '/admin', routes: [...tenantOperations, ...policyOperations] };
  return mount(deps, [...own.routes, openApiOperation([own, ...others])]);
}
