import { EmbeddedUnavailable } from './pglite-thread.js';

interface Waiter {
  grant(): void;
  timer: NodeJS.Timeout | undefined;
}

/**
 * PGlite has one session: one transaction (or lone statement) at a time, the others wait here in
 * order. A waiter that has not started within its wait is answered 503 and dropped, so it never
 * runs after its client was told to retry.
 */
export class SessionQueue {
  private busy = false;
  private readonly waiters: Waiter[] = [];

  get held(): boolean {
    return this.busy;
  }

  get waiting(): number {
    return this.waiters.length;
  }

  /** Resolves with the release of the session; waitMs Infinity: no limit. */
  enter(waitMs: number): Promise<() => void> {
    if (!this.busy) {
      this.busy = true;
      return Promise.resolve(this.releaser());
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        grant: () => resolve(this.releaser()),
        timer: Number.isFinite(waitMs)
          ? setTimeout(() => {
            this.waiters.splice(this.waiters.indexOf(waiter), 1);
            reject(new EmbeddedUnavailable('the embedded database is busy; no session in time'));
          }, waitMs)
          : undefined,
      };
      this.waiters.push(waiter);
    });
  }

  private releaser(): () => void {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const next = this.waiters.shift();
      if (next === undefined) {
        this.busy = false;
        return;
      }
      clearTimeout(next.timer);
      next.grant();
    };
  }
}
