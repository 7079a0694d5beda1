import type { Context } from 'hono';
import { withShared, withTenant, type TenantRecord } from '../db/with-tenant.js';
import type { AppEnv, Deps } from '../env.js';
import { FhirError } from './errors.js';
import { Repository } from './repository/repository.js';

export type FhirContext = Context<AppEnv>;

export interface ScopeInfo {
  /** Null on the shared base. */
  tenant: TenantRecord | null;
}

/**
 * Opens the request's one transaction for its scope and hands the handler a repository, never a
 * connection (DESIGN.md §1). Writes to the shared set need the privileged credential.
 */
export function withRepository<T>(
  c: FhirContext,
  deps: Deps,
  access: 'read' | 'write',
  fn: (repo: Repository, info: ScopeInfo) => Promise<T>,
): Promise<T> {
  const scope = c.var.scope;
  const sharedTypes = deps.config.sharedResourceTypes;
  if (scope.kind === 'tenant') {
    return withTenant(deps.db, scope.tenantId, (tx, tenant) =>
      fn(new Repository(tx, {
        tenantId: tenant.id,
        sharedTypes,
        checkReferences: tenant.config.referentialIntegrity !== false,
        validate: tenant.config.validation !== false,
      }), { tenant }),
    );
  }
  if (access === 'write' && !c.var.isAdmin) {
    throw FhirError.forbidden('Writing shared resources needs the privileged (admin) credential');
  }
  return withShared(deps.db, access, (tx) => fn(new Repository(tx, { tenantId: null, sharedTypes }), { tenant: null }));
}
