import type { AccessPolicy, PolicyInteraction } from './policies.js';
import type { Principal } from './principal.js';
import { scopesAllow, type Interaction } from './scopes.js';

export interface Decision {
  allowed: boolean;
  /** Why, in words an operator can act on (explain endpoint, audit log). */
  reason: string;
  /** The policy that allowed or would have allowed it. */
  policy?: string;
  /** Search criteria the resources must meet (OR); undefined when unrestricted. */
  criteria?: string[];
}

export interface Request {
  interaction: PolicyInteraction;
  type: string;
  tableSet: 'tenant' | 'shared';
  /** Null on the shared base. */
  tenant: string | null;
  /** Instance history (SMART: r) rather than type or system history (s). */
  instance?: boolean;
}

const READS = new Set<PolicyInteraction>(['read', 'vread', 'history', 'search']);

function smart(i: PolicyInteraction, instance: boolean | undefined): Interaction {
  return i === 'history' && instance ? 'history-instance' : i;
}

/**
 * Effective permission = access policies ∩ SMART scopes. Without a
 * policy for the client: a tenant's clients may do anything in their tenant and read the shared
 * set; only admins write the shared set. The admin token is not limited by either (but reaches
 * tenant data only when allowed: see http/auth.ts).
 */
export function decide(principal: Principal, policies: readonly AccessPolicy[], req: Request): Decision {
  if (principal.kind === 'admin-token') {
    // The tenant middleware refuses it first; this holds for any other path to tenant data.
    if (principal.tenantData === false && req.tableSet === 'tenant') {
      return { allowed: false, reason: 'the admin token does not reach tenant data while token verification is on' };
    }
    return { allowed: true, reason: 'admin token' };
  }
  if (principal.scopes !== null && !scopesAllow(principal.scopes, smart(req.interaction, req.instance), req.type)) {
    return { allowed: false, reason: `no scope grants ${req.interaction} on ${req.type}` };
  }
  const applicable = policies.filter((p) => (p.client === '*' || p.client === principal.clientId) && (p.tenant === '*' || p.tenant === req.tenant));
  if (applicable.length === 0) {
    if (req.tableSet === 'tenant') return { allowed: true, reason: 'default: full access to the tenant\'s own resources' };
    if (READS.has(req.interaction)) return { allowed: true, reason: 'default: the shared set is readable by all' };
    if (principal.admin) return { allowed: true, reason: 'admin claim: writes to the shared set' };
    return { allowed: false, reason: `default: nobody writes shared ${req.type} without a policy granting it` };
  }
  let criteria: string[] | undefined = [];
  let policy: string | undefined;
  for (const p of applicable) {
    for (const r of p.rules) {
      if (r.tableSet !== req.tableSet || !r.interactions.includes(req.interaction)) continue;
      if (!r.resourceTypes.includes('*') && !r.resourceTypes.includes(req.type)) continue;
      policy ??= p.id;
      if (r.criteria === undefined) criteria = undefined;
      else criteria?.push(r.criteria);
    }
  }
  if (policy === undefined) {
    return { allowed: false, reason: `no rule of the policies ${applicable.map((p) => p.id).join(', ')} grants ${req.interaction} on ${req.tableSet} ${req.type}` };
  }
  return criteria === undefined
    ? { allowed: true, reason: `policy ${policy}`, policy }
    : { allowed: true, reason: `policy ${policy}, limited to ${criteria.join(' or ')}`, policy, criteria };
}
