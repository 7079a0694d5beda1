import type { Context } from 'hono';
import { AccessGate } from '../auth/gate.js';
import type { PolicyInteraction } from '../auth/policies.js';
import type { Tx } from '../db/database.js';
import { withShared, withTenant, type TenantRecord } from '../db/with-tenant.js';
import type { AppEnv, Deps } from '../env.js';
import { FhirError } from './errors.js';
import { fairShare, withSlot } from './fair-share.js';
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

// The requests whose rate limit is settled: one token per HTTP request, however many doors
// (fast read then its fallback, a batch's entries) it passes through.
const rateSettled = new WeakSet<object>();

/**
 * Before any database work: the tenant's rate limit as this process last read it, so a tenant
 * over its rate gets 429 without a round trip. Unknown (nothing fresh remembered): the
 * transaction applies it (admitRequest).
 */
export function admitEarly(c: FhirContext, deps: Deps, tenantId: string): void {
  if (rateSettled.has(c)) return;
  const early = deps.services.limiter.admitRemembered(tenantId);
  if (typeof early === 'number') throw tooManyRequests(early);
  if (early === 'admitted') rateSettled.add(c);
}

function tooManyRequests(wait: number): FhirError {
  return new FhirError(429, 'throttled', 'Too many requests for this tenant', { headers: { 'Retry-After': String(wait) } });
}

/**
 * The tenant's configuration applied to one request, once the tenant is known to be active: its
 * rate limit (429, unless admitEarly settled it), and whether `type` is enabled for it (404). Both
 * paths to the data use it: withRepository and the one-statement read (fast-read.ts). The row it
 * reads refreshes what admitEarly knows.
 */
export function admitRequest(c: FhirContext, deps: Deps, tenant: Pick<TenantRecord, 'id' | 'config'>, type: string | undefined): TenantSettings {
  const settings = tenantSettings(tenant);
  const limiter = deps.services.limiter;
  limiter.remember(tenant.id, settings.rateLimit, deps.config.tenantSettingsTtlMs);
  if (settings.rateLimit && !rateSettled.has(c)) {
    const wait = limiter.take(tenant.id, settings.rateLimit.requestsPerSecond, settings.rateLimit.burst);
    if (wait !== undefined) throw tooManyRequests(wait);
  }
  rateSettled.add(c);
  if (type !== undefined && !enabledType(settings, type)) throw FhirError.notFound(`${type} is not enabled for this tenant`);
  return settings;
}

/**
 * Runs fn holding the tenant's share (fair-share.ts): a database slot, and first a CPU slot when
 * the request carries a large body (its validation and index extraction run inside fn). Used by
 * every door to tenant data.
 */
export function withTenantShare<T>(c: FhirContext, deps: Deps, tenantId: string, fn: () => Promise<T>): Promise<T> {
  const share = fairShare(deps.db, deps.config);
  const wait = deps.config.dbStartTimeoutMs;
  const inDb = () => withSlot(share.db, tenantId, wait, fn);
  return bodyBytes(c) >= deps.config.cpuHeavyBodyBytes ? withSlot(share.cpu, tenantId, wait, inDb) : inDb();
}

function bodyBytes(c: FhirContext): number {
  if (c.req.method === 'GET' || c.req.method === 'HEAD') return 0;
  // The node request's headers, not c.req.header(): that builds a full Request (see abortable).
  const incoming = c.env?.incoming;
  const length = incoming ? incoming.headers['content-length'] : c.req.header('content-length');
  return Number(length ?? 0) || 0;
}

/**
 * Opens the request's one transaction for its scope and hands the handler a repository, never a
 * connection. Before it: the remembered rate limit, then the tenant's share. Inside
 * it, once the tenant is known: its rate limit (when not remembered), its enabled types, then the
 * access decision (policies ∩ scopes) for the intent.
 */
export async function withRepository<T>(
  c: FhirContext,
  deps: Deps,
  intent: Intent,
  fn: (repo: Repository, info: ScopeInfo) => Promise<T>,
): Promise<T> {
  const scope = c.var.scope;
  const sharedTypes = deps.config.sharedResourceTypes;
  if (scope.kind === 'tenant') admitEarly(c, deps, scope.tenantId);
  const policies = await deps.services.policies.all();
  const write = intent.write ?? WRITES.has(intent.interaction);
  if (scope.kind === 'tenant') {
    return withTenantShare(c, deps, scope.tenantId, () => withTenant(deps.db, scope.tenantId, (tx, tenant) => {
      const settings = admitRequest(c, deps, tenant, intent.type);
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
    }));
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
