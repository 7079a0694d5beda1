import type { Database } from '../db/database.js';
import { withAdmin } from '../db/doors.js';
import type { Logger } from '../log.js';
import { parsePolicy, type AccessPolicy } from './policies.js';

interface PolicyRow {
  [column: string]: unknown;
  id: string;
  client: string;
  tenant: string;
  policy: unknown;
}

/**
 * The access policies, read through fhir_admin.list_access_policies() and kept for a short time
 * (every request needs them; they change rarely). A change through this process's admin API is
 * seen at once; one made in psql within `ttlMs`.
 */
export class PolicyStore {
  private cached: { at: number; policies: AccessPolicy[] } | undefined;

  constructor(
    private readonly db: Database,
    private readonly log: Logger,
    private readonly ttlMs = 2000,
  ) {}

  async all(): Promise<AccessPolicy[]> {
    if (this.cached && Date.now() - this.cached.at < this.ttlMs) return this.cached.policies;
    const rows = await withAdmin(this.db, (tx) => tx.query<PolicyRow>('select id, client, tenant, policy from fhir_admin.list_access_policies()'));
    const policies = rows.map((r) => {
      try {
        return parsePolicy({ ...(r.policy as object), id: r.id, client: r.client, tenant: r.tenant });
      } catch (err) {
        // Fail closed: a policy written by hand that does not parse still applies, granting nothing.
        this.log.error({ policy: r.id, err: (err as Error).message }, 'access policy does not parse; it denies everything it applies to');
        return { id: r.id, client: r.client, tenant: r.tenant, rules: [] };
      }
    });
    this.cached = { at: Date.now(), policies };
    return policies;
  }

  invalidate(): void {
    this.cached = undefined;
  }
}
