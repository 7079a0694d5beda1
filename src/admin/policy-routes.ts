import { Hono, type Context } from 'hono';
import { decide } from '../auth/decide.js';
import { parsePolicy, type AccessPolicy, type PolicyInteraction } from '../auth/policies.js';
import { GATEWAY, type Principal } from '../auth/principal.js';
import { withAdmin } from '../db/doors.js';
import type { AppEnv, Deps } from '../env.js';
import { FhirError } from '../core/errors.js';
import { isResourceType } from '../core/resource-types.js';
import { adminTokenPrincipal, isAdminToken } from '../http/auth.js';
import { jsonBody } from './input.js';
import { TENANT_ID, TENANT_ID_PATTERN } from '../core/ids.js';

interface PolicyRow {
  [column: string]: unknown;
  id: string;
  client: string;
  tenant: string;
  policy: Record<string, unknown>;
}

const toPolicy = (r: PolicyRow): AccessPolicy => ({ ...(r.policy as object), id: r.id, client: r.client, tenant: r.tenant }) as AccessPolicy;

// A FHIR request path on any of the three bases: tenant, type, id, _history.
const REQUEST_PATH = new RegExp(`^/(?:tenants/(${TENANT_ID_PATTERN})/fhir|fhir|shared/fhir)/([A-Za-z]+)(?:/([^/]+))?(?:/(_history)(?:/[^/]+)?)?/?$`);

/** What request line an explain asks about: interaction, type, table set and tenant, from the URL. */
function requestOf(method: string, url: string): { interaction: PolicyInteraction; type: string; tableSet: 'tenant' | 'shared'; tenant: string | null } {
  const path = new URL(url, 'http://x').pathname;
  const m = REQUEST_PATH.exec(path);
  if (!m || !isResourceType(m[2]!)) throw FhirError.badRequest('url must be a FHIR request path such as /tenants/acme/fhir/Observation/1');
  const [, tenant, type, id, history] = m;
  const shared = path.startsWith('/shared/');
  const byMethod: Record<string, PolicyInteraction> = { POST: 'create', PUT: 'update', PATCH: 'patch', DELETE: 'delete' };
  const interaction: PolicyInteraction = history ? 'history' : method === 'GET' ? (id && id !== '_search' ? 'read' : 'search') : (byMethod[method] ?? 'read');
  return { interaction, type: type!, tableSet: shared ? 'shared' : 'tenant', tenant: shared ? null : (tenant ?? null) };
}

/** /admin/access-policies (CRUD, the fhir_admin.*_access_policy functions) and /admin/access/explain. */
export function policyRoutes(deps: Deps): Hono<AppEnv> {
  const app = new Hono<AppEnv>({ strict: false });
  const store = deps.services.policies;
  const put = async (c: Context<AppEnv>, policy: AccessPolicy) => {
    const { id, client, tenant, ...rest } = policy;
    // grant_access_policy and revoke_access_policy record themselves in the audit log (sql/0014).
    const [row] = await withAdmin(deps.db, (tx) => tx.query<PolicyRow>(
      'select id, client, tenant, policy from fhir_admin.grant_access_policy($1, $2, $3, $4::text::jsonb)', [id, client, tenant, JSON.stringify(rest)],
    ), c.var.principal.clientId);
    store.invalidate();
    return toPolicy(row!);
  };

  app.get('/access-policies', async (c) => {
    const rows = await withAdmin(deps.db, (tx) => tx.query<PolicyRow>('select id, client, tenant, policy from fhir_admin.list_access_policies()'));
    return c.json(rows.map(toPolicy));
  });
  app.get('/access-policies/:id', async (c) => {
    const rows = await withAdmin(deps.db, (tx) => tx.query<PolicyRow>('select id, client, tenant, policy from fhir_admin.list_access_policies() where id = $1', [c.req.param('id')]));
    if (!rows[0]) throw FhirError.notFound('Unknown access policy');
    return c.json(toPolicy(rows[0]));
  });
  app.post('/access-policies', async (c) => c.json(await put(c, parsePolicy(await jsonBody(c))), 201));
  app.put('/access-policies/:id', async (c) => c.json(await put(c, parsePolicy(await jsonBody(c), c.req.param('id')))));
  app.delete('/access-policies/:id', async (c) => {
    const id = c.req.param('id');
    const [row] = await withAdmin(deps.db, (tx) => tx.query<{ revoked: boolean }>('select fhir_admin.revoke_access_policy($1) as revoked', [id]), c.var.principal.clientId);
    store.invalidate();
    if (!row?.revoked) throw FhirError.notFound('Unknown access policy');
    return c.body(null, 204);
  });

  // Which policy allows or denies a request line for a token, and why.
  app.post('/access/explain', async (c) => {
    const body = await jsonBody(c);
    if (typeof body.method !== 'string' || typeof body.url !== 'string') throw FhirError.badRequest('explain takes {token, method, url}');
    let principal: Principal = GATEWAY;
    if (typeof body.token === 'string') {
      if (isAdminToken(body.token, deps.config.adminToken)) principal = adminTokenPrincipal(deps.services.verifier, deps.config.adminTokenTenantAccess);
      else if (deps.services.verifier) principal = await deps.services.verifier(body.token);
    }
    const req = requestOf(body.method.toUpperCase(), body.url);
    if (req.tenant === null && req.tableSet === 'tenant') {
      req.tenant = principal.tenant ?? (typeof body.tenant === 'string' && TENANT_ID.test(body.tenant) ? body.tenant : null);
    }
    if (principal.kind === 'token' && req.tableSet === 'tenant' && principal.tenant !== req.tenant) {
      return c.json({ allowed: false, reason: 'the token names another tenant (or none)', request: req, principal });
    }
    store.invalidate();
    const decision = decide(principal, await store.all(), req);
    return c.json({ ...decision, request: req, principal: { kind: principal.kind, clientId: principal.clientId, tenant: principal.tenant, admin: principal.admin } });
  });
  return app;
}
