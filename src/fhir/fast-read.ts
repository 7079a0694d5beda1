import { isExtraStoredType } from '../analytics/stored-types.js';
import type { Deps } from '../env.js';
import { AccessGate } from '../auth/gate.js';
import { assertActive } from '../db/with-tenant.js';
import { admitEarly, admitRequest, withTenantShare, type FhirContext } from './context.js';
import type { StoredVersion } from './repository/stored-version.js';

interface Row {
  [column: string]: unknown;
  tenant_status: string;
  tenant_config: Record<string, unknown>;
  table_set: 'tenant' | 'shared' | null;
  version_id: number | null;
  deleted: boolean | null;
  last_updated: string | null;
  body: string | null;
}

const READ = 'select * from fhir_private.read_resource($1, $2, $3, $4, $5, $6, $7)';

/**
 * read and vread in one round trip (sql/0014): the function enters the tenant (role and keyed
 * tenant context, transaction-local, in the statement's own implicit transaction), checks it and
 * reads. The same checks as withRepository: the remembered rate limit and the tenant's share
 * before it, then in JS tenant status, rate limit (when not remembered), enabled type; access was
 * decided before. Undefined when this path does not apply (the shared base, or policy criteria
 * that must filter the read): the caller then takes the transactional path.
 */
export async function fastRead(c: FhirContext, deps: Deps, type: string, id: string, versionId?: number): Promise<{ version: StoredVersion | undefined } | undefined> {
  const scope = c.var.scope;
  if (scope.kind !== 'tenant') return undefined;
  admitEarly(c, deps, scope.tenantId);
  const gate = new AccessGate(c.var.principal, await deps.services.policies.all(), scope.tenantId);
  const decision = gate.check(versionId === undefined ? 'read' : 'vread', type);
  if (!decision.allowed || decision.criteria) return undefined;
  const rows = await withTenantShare(c, deps, scope.tenantId, () => deps.db.statement<Row>(READ, [
    deps.db.contextKey, scope.tenantId, type, id, versionId ?? null, deps.config.sharedResourceTypes.has(type) || isExtraStoredType(type), String(deps.db.statementTimeoutMs),
  ]));
  const [row] = rows;
  assertActive(scope.tenantId, row?.tenant_status);
  admitRequest(c, deps, { id: scope.tenantId, config: row?.tenant_config ?? {} }, type);
  if (row?.table_set == null || row.version_id === null) return { version: undefined };
  return {
    version: {
      resourceType: type, id, versionId: row.version_id, lastUpdated: row.last_updated ?? '', deleted: row.deleted === true, body: row.body, set: row.table_set,
    },
  };
}
