import type { Context } from 'hono';
import { AccessGate } from '../auth/gate.js';
import type { PolicyInteraction } from '../auth/policies.js';
import type { Tx } from '../db/database.js';
import { withShared, withTenant, type TenantRecord } from '../db/with-tenant.js';
import type { AppEnv, Deps } from '../env.js';
import { FhirError } from './errors.js';
import { Repository } from './repository/repository.js';
import { enabledType, tenantSettings, type TenantSettings } from './tenant-settings.js';

export type FhirContext = Context<AppEnv>;

export interface ScopeInfo {
  /** Null on the shared base. */
  tenant: TenantRecord | null;
}

/**
 * What a request is about to do, checked against the caller's access before the handler runs.
 * `operation` covers what checks itself per part (bundles) or needs no check (metadata).
 */
export interface Intent {
  interaction: PolicyInteraction | 'operation';
  type?: string;
  /** Writes something (the shared set is then opened as the one role that may write it). */
  write?: boolean;
  /** Instance history: SMART counts it as a read (r), type history as a search (s). */
  instance?: boolean;
}

const WRITES = new Set<string>(['create', 'update', 'patch', 'delete']);

/**
 * The tenant's configuration applied to one request, once the tenant is known to be active: its
 * rate limit (429), and whether `type` is enabled for it (404). Both paths to the data use it:
 * withRepository and the one-statement read (fast-read.ts).
 */
export function admitRequest(deps: Deps, tenant: Pick<TenantRecord, 'id' | 'config'>, type: string | undefined): TenantSettings {
  const settings = tenantSettings(tenant);
  if (settings.rateLimit) {
    const wait = deps.services.limiter.take(tenant.id, settings.rateLimit.requestsPerSecond, settings.rateLimit.burst);
    if (wait !== undefined) throw new FhirError(429, 'throttled', 'Too many requests for this tenant', { headers: { 'Retry-After': String(wait) } });
  }
  if (type !== undefined && !enabledType(settings, type)) throw FhirError.notFound(`${type} is not enabled for this tenant`);
  return settings;
}

/**
 * Opens the request's one transaction for its scope and hands the handler a repository, never a
 * connection (DESIGN.md §1). Inside it, once the tenant is known: its rate limit, its enabled
 * types, then the access decision (policies ∩ scopes) for the intent.
 */
export async function withRepository<T>(
  c: FhirContext,
  deps: Deps,
  intent: Intent,
  fn: (repo: Repository, info: ScopeInfo) => Promise<T>,
): Promise<T> {
  const scope = c.var.scope;
  const sharedTypes = deps.config.sharedResourceTypes;
  const policies = await deps.services.policies.all();
  const write = intent.write ?? WRITES.has(intent.interaction);
  if (scope.kind === 'tenant') {
    return withTenant(deps.db, scope.tenantId, (tx, tenant) => {
      const settings = admitRequest(deps, tenant, intent.type);
      const gate = new AccessGate(c.var.principal, policies, tenant.id);
      if (intent.interaction !== 'operation' && intent.type !== undefined) gate.require(intent.interaction, intent.type, intent.instance);
      const repo = new Repository(abortable(tx, c), {
        tenantId: tenant.id,
        sharedTypes,
        checkReferences: settings.referentialIntegrity,
        validate: settings.validation,
        maxCount: settings.maxCount,
        enabledTypes: settings.resourceTypes,
        gate,
      });
      return fn(repo, { tenant });
    });
  }
  const gate = new AccessGate(c.var.principal, policies, null);
  if (intent.interaction !== 'operation' && intent.type !== undefined) gate.require(intent.interaction, intent.type, intent.instance);
  return withShared(deps.db, write ? 'write' : 'read', (tx) => fn(new Repository(abortable(tx, c), { tenantId: null, sharedTypes, gate }), { tenant: null }));
}

/**
 * A transaction that stops at its next statement once the client has gone away: the error rolls
 * it back and frees the connection (a statement already running ends by statement_timeout).
 */
function abortable(tx: Tx, c: FhirContext): Tx {
  // The socket, not c.req.raw.signal: touching c.req.raw makes @hono/node-server build a full
  // Request for every request.
  const socket = c.env?.outgoing?.socket;
  if (!socket) return tx;
  return {
    query: (text, params) => {
      if (socket.destroyed) throw new FhirError(499, 'transient', 'The client closed the request');
      return tx.query(text, params);
    },
  };
}
