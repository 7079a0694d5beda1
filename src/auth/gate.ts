import { FhirError } from '../core/errors.js';
import { decide, type Decision } from './decide.js';
import type { AccessPolicy, PolicyInteraction } from './policies.js';
import type { Principal } from './principal.js';
import { tenantOf, type Scope } from '../core/scope.js';

/**
 * The access decisions of one request: who (principal), where (tenant or the shared set), under
 * which policies. The repository asks it before every interaction and for every included type;
 * a refusal is a 403 whose reason says which rule is missing (the audit log records it).
 */
export class AccessGate {
  constructor(
    private readonly principal: Principal,
    private readonly policies: readonly AccessPolicy[],
    private readonly scope: Scope,
  ) {}

  check(interaction: PolicyInteraction, type: string, instance = false): Decision {
    return decide(this.principal, this.policies, { interaction, type, tableSet: this.scope.kind, tenant: tenantOf(this.scope), instance });
  }

  /** Throws 403 when refused; else the criteria the resources must meet (undefined: none). */
  require(interaction: PolicyInteraction, type: string, instance = false): string[] | undefined {
    const d = this.check(interaction, type, instance);
    if (!d.allowed) throw FhirError.forbidden(`Access denied: ${d.reason}`);
    return d.criteria;
  }
}
