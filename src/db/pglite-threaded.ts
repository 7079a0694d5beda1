import type { Database, Row, Tx } from './database.js';
import type { EmbeddedOptions, WorkerInit } from './pglite-protocol.js';
import { SessionQueue } from './pglite-queue.js';
import { EmbeddedUnavailable, PgliteThread } from './pglite-thread.js';

export interface ThreadedOptions {
  /** A statement running longer is answered 503, and the thread restarted (0: no limit). */
  statementTimeoutMs?: number;
  /** How long a request may wait for the session (and for a restart) before a 503. */
  startTimeoutMs?: number;
  /** Passed to the PGlite constructor in the worker (e.g. `username`, to log in as a non-superuser). */
  pglite?: EmbeddedOptions;
  /** The tenant-context key; migrate() registers it (src/db/context-key.ts). */
  contextKey: string;
  /**
   * In memory only: start from this data-dir dump (PGlite dumpDataDir, a tar file) rather than
   * an empty cluster; the test suite starts every file from one migrated copy (initdb and the
   * migrations are most of an in-memory start).
   */
  loadFrom?: string;
}

/** Outside the app's roles, as PGlite's own user: migrations, scripts, test assertions. */
export interface OwnerSession {
  query<T extends Row = Row>(text: string, params?: readonly unknown[]): Promise<{ rows: T[] }>;
  exec(text: string): Promise<{ rows: Row[] }[]>;
}

export interface ThreadedDatabase extends Database {
  readonly kind: 'pglite';
  readonly pg: OwnerSession;
  /** Applies the schema's migrations (migrate.ts) in the worker. */
  migrate(): Promise<void>;
  /** Times the thread was ended and the database opened again after a statement ran too long. */
  readonly restarts: number;
}

/**
 * Embedded PostgreSQL (PGlite) in a worker thread (pglite-worker.ts), so that a costly statement
 * stops neither /healthz, nor other tenants' requests, nor SIGTERM. PGlite ignores
 * statement_timeout and cannot cancel a running statement: when one outlives STATEMENT_TIMEOUT_MS
 * its request gets 503 and the thread is ended and started again on dataDir; committed data is on
 * disk, the transaction in flight was never committed (PostgreSQL's crash recovery runs at
 * reopen). Requests queued meanwhile start once the database is open again, or get 503 at
 * DB_START_TIMEOUT_MS. In memory (dataDir undefined) there is nothing to reopen: the statement is
 * left to finish, its request gets 503 at the timeout all the same.
 */
export async function openPgliteWorker(dataDir: string | undefined, options: ThreadedOptions): Promise<ThreadedDatabase> {
  const init: WorkerInit = { dataDir, options: options.pglite ?? {}, ...(options.loadFrom === undefined ? {} : { loadFrom: options.loadFrom }) };
  const timeout = options.statementTimeoutMs ?? 0;
  const startTimeout = options.startTimeoutMs ?? 10_000;
  const queue = new SessionQueue();
  let restarts = 0;
  let closed = false;

  const onStuck = (stuck: PgliteThread) => {
    if (dataDir === undefined || stuck !== thread || closed) return;
    restarts++;
    void stuck.end();
    thread = new PgliteThread(init, onStuck);
  };
  let thread = new PgliteThread(init, onStuck);
  await thread.ready;

  /** The live thread, open: restarted if it died (on disk only), within waitMs. */
  const live = async (waitMs: number): Promise<PgliteThread> => {
    if (closed) throw new EmbeddedUnavailable('the embedded database is closed');
    if (!thread.alive && dataDir !== undefined) {
      restarts++;
      thread = new PgliteThread(init, onStuck);
    }
    const t = thread;
    if (!Number.isFinite(waitMs)) await t.ready;
    else {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([t.ready, new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new EmbeddedUnavailable('the embedded database is reopening; not in time')), Math.max(0, waitMs));
      })]).finally(() => clearTimeout(timer));
    }
    return t;
  };

  const session = async <T>(waitMs: number, work: (t: PgliteThread) => Promise<T>): Promise<T> => {
    const started = Date.now();
    const release = await queue.enter(waitMs);
    try {
      return await work(await live(waitMs - (Date.now() - started)));
    } finally {
      release();
    }
  };

  const rows = async <T>(t: PgliteThread, text: string, params: readonly unknown[], limitMs: number, begin = false): Promise<T[]> => {
    const reply = await t.call({ op: 'query', text, params, begin }, limitMs);
    return ('rows' in reply ? reply.rows : []) as T[];
  };

  const owner: OwnerSession = {
    query: (text, params = []) => session(Infinity, async (t) => ({ rows: await rows(t, text, params, 0) })),
    exec: (text) => session(Infinity, async (t) => {
      const reply = await t.call({ op: 'exec', text }, 0);
      return 'results' in reply ? reply.results : [];
    }),
  };

  return {
    kind: 'pglite',
    pg: owner,
    statementTimeoutMs: timeout,
    contextKey: options.contextKey,
    get restarts() {
      return restarts;
    },
    async migrate() {
      await session(Infinity, (t) => t.call({ op: 'migrate', contextKey: options.contextKey }, 0));
    },
    transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
      return session(startTimeout, async (t) => {
        // BEGIN travels with the first statement: one message less per transaction.
        let begun = false;
        const tx: Tx = {
          query: (text, params = []) => {
            const begin = !begun;
            begun = true;
            return rows(t, text, params, timeout, begin);
          },
        };
        try {
          const result = await fn(tx);
          if (begun) await t.call({ op: 'exec', text: 'commit' }, timeout);
          return result;
        } catch (err) {
          // Not awaited: the thread runs messages in order, so the next session starts after it.
          if (begun && t.alive) t.call({ op: 'exec', text: 'rollback' }, 0).catch(() => {});
          throw err;
        }
      });
    },
    statement: (text, params) => session(startTimeout, (t) => rows(t, text, params, timeout)),
    async ping() {
      await session(startTimeout, (t) => rows(t, 'select 1', [], timeout));
    },
    stats: () => ({ inUse: queue.held ? 1 : 0, waiting: queue.waiting, max: 1 }),
    async close() {
      if (closed) return;
      closed = true;
      const t = thread;
      // A clean shutdown (checkpoint) when the thread is free soon; ended either way.
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        t.call({ op: 'close' }, 0).catch(() => {}),
        new Promise((resolve) => (timer = setTimeout(resolve, 3000))),
      ]);
      clearTimeout(timer);
      await t.end();
    },
  };
}
