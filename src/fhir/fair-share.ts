import type { Database } from '../db/database.js';
import type { Config } from '../config.js';
import { FhirError } from '../core/errors.js';

/*
 * Fair share: one tenant holds at most a share of the database pool and of
 * the CPU-heavy work in progress. A tenant over its share waits for one of its own slots (never
 * for another tenant's) and, after DB_START_TIMEOUT_MS, gets 503 with Retry-After; the other
 * tenants keep the rest of the pool. Without it, one tenant's burst of slow searches takes every
 * connection and every other tenant queues behind it.
 */

interface Waiter {
  grant(): void;
  timer: NodeJS.Timeout;
}

/** A counting semaphore per tenant: `perTenant` holders at once, the others wait in order. */
export class TenantSlots {
  private readonly held = new Map<string, number>();
  private readonly waiting = new Map<string, Waiter[]>();

  constructor(
    readonly what: string,
    readonly perTenant: number,
  ) {}

  /** Slots the tenant holds now (tests, metrics). */
  holding(tenant: string): number {
    return this.held.get(tenant) ?? 0;
  }

  /** Resolves with the release of a slot; rejects with a 503 when none came free within waitMs. */
  acquire(tenant: string, waitMs: number): Promise<() => void> {
    const n = this.held.get(tenant) ?? 0;
    if (n < this.perTenant) {
      this.held.set(tenant, n + 1);
      return Promise.resolve(this.releaser(tenant));
    }
    return new Promise((resolve, reject) => {
      const queue = this.waiting.get(tenant) ?? [];
      this.waiting.set(tenant, queue);
      const waiter: Waiter = {
        grant: () => resolve(this.releaser(tenant)),
        timer: setTimeout(() => {
          queue.splice(queue.indexOf(waiter), 1);
          if (!queue.length) this.waiting.delete(tenant);
          reject(throttled(this.what, this.perTenant, waitMs));
        }, waitMs),
      };
      queue.push(waiter);
    });
  }

  /** A slot is handed straight to the tenant's next waiter, so a newcomer cannot overtake it. */
  private releaser(tenant: string): () => void {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const next = this.waiting.get(tenant)?.shift();
      if (next) {
        clearTimeout(next.timer);
        if (!this.waiting.get(tenant)?.length) this.waiting.delete(tenant);
        next.grant();
        return;
      }
      const n = (this.held.get(tenant) ?? 1) - 1;
      if (n > 0) this.held.set(tenant, n);
      else this.held.delete(tenant);
    };
  }
}

function throttled(what: string, perTenant: number, waitMs: number): FhirError {
  return new FhirError(503, 'throttled', `This tenant already has ${perTenant} ${what} in progress, its share of this server; retry later`, {
    headers: { 'Retry-After': String(Math.max(1, Math.ceil(waitMs / 1000))) },
  });
}

export interface FairShare {
  /** Transactions and one-statement reads: the tenant's share of the database pool. */
  db: TenantSlots;
  /** Requests with large bodies (JSON validation, index extraction of bundles). */
  cpu: TenantSlots;
}

/** A share of n, at least one. */
export function shareOf(n: number, share: number): number {
  return Math.max(1, Math.floor(n * share));
}

// Keyed by the database handle: the share is of its pool, whichever app (tests build several on
// one database) sends the request.
const shares = new WeakMap<Database, FairShare>();

export function fairShare(db: Database, config: Pick<Config, 'tenantPoolShare' | 'cpuWorkSlots'>): FairShare {
  let s = shares.get(db);
  if (s === undefined) {
    s = {
      db: new TenantSlots('database requests', shareOf(db.stats().max, config.tenantPoolShare)),
      cpu: new TenantSlots('large requests', shareOf(config.cpuWorkSlots, config.tenantPoolShare)),
    };
    shares.set(db, s);
  }
  return s;
}

/** Runs fn holding one of the tenant's slots (waiting at most waitMs for it). */
export async function withSlot<T>(slots: TenantSlots, tenant: string, waitMs: number, fn: () => Promise<T>): Promise<T> {
  const release = await slots.acquire(tenant, waitMs);
  try {
    return await fn();
  } finally {
    release();
  }
}
