import { AccessGate } from '../auth/gate.js';
import type { PolicyInteraction } from '../auth/policies.js';
import type { Principal } from '../auth/principal.js';
import type { Scope } from '../core/scope.js';
import type { Tx } from '../db/database.js';
import { readOneResource, withShared, withTenant, type TenantRecord } from '../db/doors.js';
import type { Deps } from '../env.js';
import { FhirError } from '../core/errors.js';
import { fairShare, withSlot } from './fair-share.js';
import { isShareableType, Repository } from './repository/repository.js';
import type { StoredVersion } from './repository/stored-version.js';
import { assertEnabled, tenantSettings, type TenantSettings } from './tenant-settings.js';
import { sharedParamSet, tenantParamSet } from './custom-params/load.js';
import type { ParamSet } from './custom-params/param-set.js';

/*
 * One session per request: every rule that decides whether a request may touch the data, in one
 * place and in one order, for every door (docs/architecture.md):
 *   1. the tenant's rate limit as this process remembers it (429 before any database work);
 *   2. the tenant's fair share of the pool and, for large bodies, of the CPU (fair-share.ts);
 *   3. in the door, the tenant's registry row: unknown 404, suspended 403; its rate limit when
 *      not remembered (429); the type enabled for it (404);
 *   4. the access decision (policies ∩ scopes) for the intent (403);
 *   5. the repository, built from all of the above.
 * The one-statement read is a strategy of the session, not a door of its own: the same steps,
 * the same functions, with 3 applied to the row its statement returns.
 */

/** What a session needs of an HTTP request (fhir/context.ts makes it from the Hono context). */
export interface Caller {
  readonly scope: Scope;
  readonly principal: Principal;
  /** Bytes of the request body: a large one takes a CPU slot too. */
  readonly bodyBytes: number;
  /** True once the client has gone away: the transaction stops at its next statement. */
  gone(): boolean;
  /** One rate-limit token per HTTP request, however many sessions it opens (batch entries, a read's fallback). */
  rateSettled: boolean;
}

/**
 * What the request is about to do, and so what is checked before the handler's code runs:
 * - access: one interaction on one type, decided by the gate before fn runs (403);
 * - each-part: a request of many parts (bundles, system search and history) whose every part
 *   asks the repository (Repository.authorize, restrictSearch, visible) before it runs;
 * - admission: nothing is read or written (metadata, $validate): only the tenant and, when
 *   given, the type must be admitted.
 */
export type Intent =
  | { check: 'access'; interaction: PolicyInteraction; type: string; instance?: boolean }
  | { check: 'each-part'; write: boolean }
  | { check: 'admission'; type?: string };

const WRITES: ReadonlySet<PolicyInteraction> = new Set(['create', 'update', 'patch', 'delete']);

function writes(intent: Intent): boolean {
  if (intent.check === 'access') return WRITES.has(intent.interaction);
  return intent.check === 'each-part' && intent.write;
}

function typeOf(intent: Intent): string | undefined {
  return intent.check === 'each-part' ? undefined : intent.type;
}

function tooManyRequests(wait: number): FhirError {
  return new FhirError(429, 'throttled', 'Too many requests for this tenant', { headers: { 'Retry-After': String(wait) } });
}

/** The tenant a request is admitted to: its registry row and the settings read from it. */
export interface Admitted {
  /** Null on the shared base. */
  tenant: TenantRecord | null;
}

export class Session {
  private constructor(
    private readonly deps: Deps,
    private readonly caller: Caller,
    private readonly intent: Intent,
    readonly gate: AccessGate,
  ) {}

  /** Step 1, then the access policies (cached by the store): nothing else runs before the door. */
  static async open(deps: Deps, caller: Caller, intent: Intent): Promise<Session> {
    const scope = caller.scope;
    if (scope.kind === 'tenant' && !caller.rateSettled) {
      const early = deps.services.limiter.admitRemembered(scope.tenantId);
      if (typeof early === 'number') throw tooManyRequests(early);
      if (early === 'admitted') caller.rateSettled = true;
    }
    const gate = new AccessGate(caller.principal, await deps.services.policies.all(), scope);
    return new Session(deps, caller, intent, gate);
  }

  /** Whether a type is read from the shared set too: the configured shared types and the extra stored ones. */
  isShareable(type: string): boolean {
    return isShareableType(this.deps.config.sharedResourceTypes, this.deps.extensions.storedTypes, type);
  }

  /**
   * Runs fn in the request's one transaction for its scope, with a repository, never a
   * connection. Steps 2 to 5 of the list above.
   */
  run<T>(fn: (repo: Repository, admitted: Admitted) => Promise<T>): Promise<T> {
    const scope = this.caller.scope;
    if (scope.kind === 'shared') {
      this.requireAccess();
      return withShared(this.deps.db, writes(this.intent) ? 'write' : 'read', (tx) => fn(this.repository(tx, undefined, sharedParamSet), { tenant: null }));
    }
    return this.withShare(scope.tenantId, () => withTenant(this.deps.db, scope.tenantId, (tx, row) => {
      const settings = this.admit(scope.tenantId, row);
      this.requireAccess();
      return fn(this.repository(tx, settings, (t) => tenantParamSet(t, scope.tenantId, row)), { tenant: row ?? null });
    }));
  }

  /**
   * read and vread (intent: access read or vread). One statement (db readOneResource) when
   * nothing must filter the read (a tenant's base, access without criteria); else the
   * transaction. Undefined: no such version, or one the caller may not see.
   */
  async read(type: string, id: string, versionId?: number): Promise<StoredVersion | undefined> {
    const scope = this.caller.scope;
    const decision = this.gate.check(versionId === undefined ? 'read' : 'vread', type);
    if (scope.kind === 'shared' || !decision.allowed || decision.criteria) {
      return this.run((repo) => (versionId === undefined ? repo.read(type, id) : repo.vread(type, id, versionId)));
    }
    const row = await this.withShare(scope.tenantId, () => readOneResource(this.deps.db, {
      tenantId: scope.tenantId, type, id, versionId, shareable: this.isShareable(type),
    }));
    this.admit(scope.tenantId, row?.tenant_status == null ? undefined : { status: row.tenant_status, config: row.tenant_config ?? {} });
    if (row?.table_set == null || row.version_id === null) return undefined;
    return {
      resourceType: type, id, versionId: row.version_id, lastUpdated: row.last_updated ?? '', deleted: row.deleted === true, body: row.body, set: row.table_set,
    };
  }

  /**
   * Step 3, for every door: the tenant's row as the door saw it. The rate limit read from it is
   * remembered for step 1 of the next requests.
   */
  private admit(tenantId: string, row: { status: string; config: TenantRecord['config'] } | undefined): TenantSettings {
    if (row === undefined) throw FhirError.notFound(`Unknown tenant "${tenantId}"`);
    if (row.status !== 'active') throw FhirError.forbidden(`Tenant "${tenantId}" is suspended`);
    const settings = tenantSettings(row);
    const limiter = this.deps.services.limiter;
    limiter.remember(tenantId, settings.rateLimit, this.deps.config.tenantSettingsTtlMs);
    if (settings.rateLimit && !this.caller.rateSettled) {
      const wait = limiter.take(tenantId, settings.rateLimit.requestsPerSecond, settings.rateLimit.burst);
      if (wait !== undefined) throw tooManyRequests(wait);
    }
    this.caller.rateSettled = true;
    const type = typeOf(this.intent);
    if (type !== undefined) assertEnabled(settings, type);
    return settings;
  }

  /** Step 4: an access intent is decided here; the others decide per part, or read nothing. */
  private requireAccess(): void {
    const intent = this.intent;
    if (intent.check === 'access') this.gate.require(intent.interaction, intent.type, intent.instance);
  }

  /** Step 5. */
  private repository(tx: Tx, settings: TenantSettings | undefined, params: (tx: Tx) => Promise<ParamSet>): Repository {
    return new Repository(this.abortable(tx), {
      scope: this.caller.scope,
      sharedTypes: this.deps.config.sharedResourceTypes,
      storedTypes: this.deps.extensions.storedTypes,
      settings,
      gate: this.gate,
      params,
    });
  }

  /** Step 2: the tenant's database slot, and first a CPU slot when the body is large. */
  private withShare<T>(tenantId: string, fn: () => Promise<T>): Promise<T> {
    const config = this.deps.config;
    const share = fairShare(this.deps.db, config);
    const wait = config.dbStartTimeoutMs;
    const inDb = () => withSlot(share.db, tenantId, wait, fn);
    return this.caller.bodyBytes >= config.cpuHeavyBodyBytes ? withSlot(share.cpu, tenantId, wait, inDb) : inDb();
  }

  /**
   * A transaction that stops at its next statement once the client has gone away: the error rolls
   * it back and frees the connection (a statement already running ends by statement_timeout).
   */
  private abortable(tx: Tx): Tx {
    const caller = this.caller;
    return {
      query: (text, params) => {
        if (caller.gone()) throw new FhirError(499, 'transient', 'The client closed the request');
        return tx.query(text, params);
      },
    };
  }
}
