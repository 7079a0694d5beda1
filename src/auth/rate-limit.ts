/**
 * Per-tenant token buckets (tenant config `rateLimit: { requestsPerSecond, burst }`), in this
 * process's memory: with several server processes each enforces the limit on its own share.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

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
}
