import { decide } from '../auth/decide.js';
import { parsePolicy, POLICY_INTERACTIONS, type AccessPolicy, type PolicyInteraction } from '../auth/policies.js';
import { GATEWAY, type Principal } from '../auth/principal.js';
import { withAdmin } from '../db/doors.js';
import { FhirError } from '../core/errors.js';
import { isResourceType } from '../core/resource-types.js';
import { adminTokenPrincipal, isAdminToken } from '../http/auth.js';
import { described, object, optional, text } from './input.js';
import { operation, type Caller, type Route } from './operation.js';
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

const POLICY_SCHEMA = {
  type: 'object',
  description: 'an access policy: which client may do what on which types of which tenant (auth/policies.ts)',
  properties: {
    id: { type: 'string', pattern: '^[A-Za-z0-9.-]{1,64}$' },
    client: { type: 'string', description: 'a client id or "*"' },
    tenant: { type: 'string', description: 'a tenant id or "*"' },
    description: { type: 'string', maxLength: 500 },
    rules: {
      type: 'array', minItems: 1, maxItems: 100,
      items: {
        type: 'object',
        properties: {
          resourceTypes: { type: 'array', items: { type: 'string' }, minItems: 1, description: 'R4 resource types or "*"' },
          interactions: { type: 'array', items: { type: 'string', enum: [...POLICY_INTERACTIONS] }, minItems: 1 },
          tableSet: { type: 'string', enum: ['tenant', 'shared'] },
          criteria: { type: 'string', description: '"Type?search": only resources that match' },
        },
        required: ['resourceTypes', 'interactions'],
      },
    },
  },
  required: ['client', 'tenant', 'rules'],
};
// parsePolicy (auth/policies.ts) checks the body; for PUT it also needs the id of the URL.
const POLICY_BODY = described(POLICY_SCHEMA, (value) => value);
const POLICY_ID = text({ maxLength: 200, description: 'an access policy id' });
const list = (call: Caller) => withAdmin(call.deps.db, (tx) => tx.query<PolicyRow>('select id, client, tenant, policy from fhir_admin.list_access_policies()'));

async function put(call: Caller, policy: AccessPolicy): Promise<AccessPolicy> {
  const { id, client, tenant, ...rest } = policy;
  // grant_access_policy and revoke_access_policy record themselves in the audit log (sql/0014).
  const [row] = await withAdmin(call.deps.db, (tx) => tx.query<PolicyRow>(
    'select id, client, tenant, policy from fhir_admin.grant_access_policy($1, $2, $3, $4::text::jsonb)', [id, client, tenant, JSON.stringify(rest)],
  ), call.principal.clientId);
  call.deps.services.policies.invalidate();
  if (!row) throw new Error('grant_access_policy returned no row');
  return toPolicy(row);
}

export const listPoliciesOp = operation({
  method: 'get', path: '/access-policies', tag: 'access', summary: 'List the access policies',
  success: { status: 200, description: 'every policy', schema: { type: 'array', items: POLICY_SCHEMA } },
  run: async (call) => (await list(call)).map(toPolicy),
});

export const getPolicyOp = operation({
  method: 'get', path: '/access-policies/:id', tag: 'access', summary: 'Read an access policy', params: { id: POLICY_ID },
  success: { status: 200, description: 'the policy', schema: POLICY_SCHEMA },
  run: async (call, { params }) => {
    const row = (await list(call)).find((r) => r.id === params.id);
    if (!row) throw FhirError.notFound('Unknown access policy');
    return toPolicy(row);
  },
});

export const createPolicyOp = operation({
  method: 'post', path: '/access-policies', tag: 'access', summary: 'Create (or replace) an access policy', body: POLICY_BODY,
  success: { status: 201, description: 'the policy', schema: POLICY_SCHEMA },
  run: (call, { body }) => put(call, parsePolicy(body)),
});

export const putPolicyOp = operation({
  method: 'put', path: '/access-policies/:id', tag: 'access', summary: 'Create or replace the access policy of this id', params: { id: POLICY_ID }, body: POLICY_BODY,
  success: { status: 200, description: 'the policy', schema: POLICY_SCHEMA },
  run: (call, { params, body }) => put(call, parsePolicy(body, params.id)),
});

export const deletePolicyOp = operation({
  method: 'delete', path: '/access-policies/:id', tag: 'access', summary: 'Delete an access policy', params: { id: POLICY_ID },
  success: { status: 204, description: 'deleted' },
  run: async (call, { params }) => {
    const [row] = await withAdmin(call.deps.db, (tx) => tx.query<{ revoked: boolean }>('select fhir_admin.revoke_access_policy($1) as revoked', [params.id]), call.principal.clientId);
    call.deps.services.policies.invalidate();
    if (!row?.revoked) throw FhirError.notFound('Unknown access policy');
  },
});

// Which policy allows or denies a request line for a token, and why.
export const explainOp = operation({
  method: 'post', path: '/access/explain', tag: 'access', summary: 'Which policy allows or denies a request line for a token, and why',
  body: object({
    method: text({ maxLength: 10, nonEmpty: true, description: 'an HTTP method' }),
    url: text({ maxLength: 2000, nonEmpty: true, description: 'a FHIR request path such as /tenants/acme/fhir/Observation/1' }),
    token: optional(text({ maxLength: 20_000, description: 'the bearer token to judge (none: gateway mode)' })),
    tenant: optional(text({ maxLength: 63, description: 'the tenant of a /fhir URL when the token names none' })),
  }, 'explain takes {token, method, url}'),
  success: { status: 200, description: 'the decision', schema: { type: 'object', properties: { allowed: { type: 'boolean' }, reason: { type: 'string' }, policy: { type: 'string' } } } },
  run: async ({ deps }, { body }) => {
    let principal: Principal = GATEWAY;
    if (body.token !== undefined) {
      if (isAdminToken(body.token, deps.config.adminToken)) principal = adminTokenPrincipal(deps.services.verifier, deps.config.adminTokenTenantAccess);
      else if (deps.services.verifier) principal = await deps.services.verifier(body.token);
    }
    const req = requestOf(body.method.toUpperCase(), body.url);
    if (req.tenant === null && req.tableSet === 'tenant') {
      req.tenant = principal.tenant ?? (body.tenant !== undefined && TENANT_ID.test(body.tenant) ? body.tenant : null);
    }
    const shown = { kind: principal.kind, clientId: principal.clientId, tenant: principal.tenant, admin: principal.admin };
    if (principal.kind === 'token' && req.tableSet === 'tenant' && principal.tenant !== req.tenant) {
      return { allowed: false, reason: 'the token names another tenant (or none)', request: req, principal: shown };
    }
    const store = deps.services.policies;
    store.invalidate();
    return { ...decide(principal, await store.all(), req), request: req, principal: shown };
  },
});

/** /admin/access-policies (CRUD, the fhir_admin.*_access_policy functions) and /admin/access/explain. */
export const policyOperations: readonly Route[] = [listPoliciesOp, getPolicyOp, createPolicyOp, putPolicyOp, deletePolicyOp, explainOp];
