import { isId, TENANT_ID_PATTERN } from '../core/ids.js';
import { FhirError } from '../core/errors.js';
import { isJsonObject } from '../core/json.js';
import { isResourceType } from '../core/resource-types.js';

/** The FHIR interaction names access policies use (R4 §3.1.0). */
export const POLICY_INTERACTIONS = ['read', 'vread', 'update', 'patch', 'delete', 'history', 'create', 'search'] as const;
export type PolicyInteraction = (typeof POLICY_INTERACTIONS)[number];

export interface AccessRule {
  /** Resource types, or ['*']. */
  resourceTypes: string[];
  interactions: PolicyInteraction[];
  tableSet: 'tenant' | 'shared';
  /** `Type?search`: only resources matching it are visible and writable (compiled into the search SQL). */
  criteria?: string;
}

/** Which client (token client_id/azp/sub, or '*') may do what in which tenant ('*' or one). */
export interface AccessPolicy {
  id: string;
  client: string;
  tenant: string;
  description?: string;
  rules: AccessRule[];
}

const TENANT = new RegExp(`^(\\*|${TENANT_ID_PATTERN})$`);

function bad(message: string, path: string): FhirError {
  return FhirError.badRequest(`Invalid access policy: ${message}`, [path]);
}

/** Checks a policy document (admin API and SQL both go through this shape); 400 naming the field. */
export function parsePolicy(body: unknown, id?: string): AccessPolicy {
  if (!isJsonObject(body)) throw bad('must be a JSON object', '$');
  const pid = id ?? body.id;
  if (typeof pid !== 'string' || !isId(pid)) throw bad('id must match [A-Za-z0-9-.]{1,64}', 'id');
  if (id !== undefined && body.id !== undefined && body.id !== id) throw bad('id in the body differs from the URL', 'id');
  if (typeof body.client !== 'string' || body.client === '' || body.client.length > 200) throw bad('client must be a client id or "*"', 'client');
  if (typeof body.tenant !== 'string' || !TENANT.test(body.tenant)) throw bad('tenant must be a tenant id or "*"', 'tenant');
  if (!Array.isArray(body.rules) || body.rules.length === 0 || body.rules.length > 100) throw bad('rules must be a non-empty array', 'rules');
  const rules = body.rules.map((r, i): AccessRule => {
    const at = `rules[${i}]`;
    if (!isJsonObject(r)) throw bad('a rule must be an object', at);
    const types = r.resourceTypes;
    if (!Array.isArray(types) || !types.length || types.some((t) => typeof t !== 'string' || (t !== '*' && !isResourceType(t)))) {
      throw bad('resourceTypes must list R4 resource types or "*"', `${at}.resourceTypes`);
    }
    const interactions = r.interactions;
    if (!Array.isArray(interactions) || !interactions.length || interactions.some((x) => !POLICY_INTERACTIONS.includes(x as PolicyInteraction))) {
      throw bad(`interactions must be among ${POLICY_INTERACTIONS.join(', ')}`, `${at}.interactions`);
    }
    const tableSet = r.tableSet ?? 'tenant';
    if (tableSet !== 'tenant' && tableSet !== 'shared') throw bad('tableSet must be "tenant" or "shared"', `${at}.tableSet`);
    const rule: AccessRule = { resourceTypes: types as string[], interactions: interactions as PolicyInteraction[], tableSet };
    if (r.criteria !== undefined) {
      const m = typeof r.criteria === 'string' ? /^([A-Z][A-Za-z]+)\?(.+)$/.exec(r.criteria) : null;
      if (!m || !types.includes(m[1]!)) throw bad('criteria must be "Type?search" for one of the rule\'s types', `${at}.criteria`);
      rule.criteria = r.criteria as string;
    }
    return rule;
  });
  const policy: AccessPolicy = { id: pid, client: body.client, tenant: body.tenant, rules };
  if (typeof body.description === 'string') policy.description = body.description.slice(0, 500);
  return policy;
}
