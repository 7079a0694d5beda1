export interface RateLimit {
  requestsPerSecond: number;
  burst: number;
}

/**
 * Per-tenant token buckets (tenant config `rateLimit: { requestsPerSecond, burst }`), in this
 * process's memory: with several server processes each enforces the limit on its own share.
 *
 * The limit itself comes from the tenant's registry row, which only a transaction reads. So that
 * a tenant over its rate is refused before any database work (a flood of 429s must not cost a
 * round trip each), every transaction that reads the row leaves the tenant's limit here, trusted
 * for a short time; admin changes in this process drop it at once (forget), others within the TTL.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly known = new Map<string, { limit: RateLimit | undefined; until: number }>();

  /** Undefined when the request may go on, else the seconds to wait (for Retry-After). */
  take(key: string, perSecond: number, burst: number, now = Date.now()): number | undefined {
    const b = this.buckets.get(key) ?? { tokens: burst, at: now };
    b.tokens = Math.min(burst, b.tokens + ((now - b.at) / 1000) * perSecond);
    b.at = now;
    this.buckets.set(key, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return undefined;
    }
    return Math.max(1, Math.ceil((1 - b.tokens) / perSecond));
  }

  /** The tenant's limit as its registry row says now, trusted for ttlMs. */
  remember(tenant: string, limit: RateLimit | undefined, ttlMs: number, now = Date.now()): void {
    if (ttlMs <= 0) return;
    // Bounded: tenant ids come from requests, and only registry rows are remembered.
    if (this.known.size >= 100_000) this.known.clear();
    this.known.set(tenant, { limit, until: now + ttlMs });
  }

  forget(tenant: string): void {
    this.known.delete(tenant);
  }

  /**
   * Applies the remembered limit before any database work. `unknown`: nothing fresh remembered,
   * the transaction must apply the limit it reads; `admitted`: the token is taken (or there is
   * no limit); a number: refused, the seconds to wait.
   */
  admitRemembered(tenant: string, now = Date.now()): 'unknown' | 'admitted' | number {
    const k = this.known.get(tenant);
    if (k === undefined || k.until <= now) return 'unknown';
    if (k.limit === undefined) return 'admitted';
    return this.take(tenant, k.limit.requestsPerSecond, k.limit.burst, now) ?? 'admitted';
  }
}
