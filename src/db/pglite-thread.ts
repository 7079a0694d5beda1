import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { EmbeddedError, type Reply, type Request, type Status, type WorkerInit } from './pglite-protocol.js';

/** The embedded database cannot answer now (thread gone, closing, busy too long): a 503 for the client. */
export class EmbeddedUnavailable extends Error {
  readonly code = 'CONNECTION_DESTROYED';
}

/** SQLSTATE query_canceled: what PostgreSQL answers when statement_timeout fires (a 503 for the client). */
export class StatementCancelled extends Error {
  readonly code = '57014';
}

// Run from the TypeScript sources (tsx, vitest): the worker needs tsx's loader, which Node 20
// does not pass on to worker threads, so it is registered in the worker before the entry loads.
const ENTRY = new URL(import.meta.url.endsWith('.ts') ? './pglite-worker.ts' : './pglite-worker.js', import.meta.url);

function spawn(init: WorkerInit): Worker {
  if (!ENTRY.pathname.endsWith('.ts')) return new Worker(ENTRY, { workerData: init });
  // The ESM build of tsx's API (the package's import condition), found from its package.json.
  const tsx = pathToFileURL(join(dirname(createRequire(import.meta.url).resolve('tsx/package.json')), 'dist/esm/api/index.mjs')).href;
  const boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(ENTRY.href)}); })`;
  return new Worker(boot, { eval: true, workerData: init });
}

type Call = Request extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

interface Pending {
  resolve(reply: Reply): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout | undefined;
}

/**
 * One worker thread running PGlite, and the calls in flight to it. A call that outlives its
 * timeout is answered at once with StatementCancelled and `onStuck` is told: the statement goes on
 * in the thread (PGlite cannot cancel it), so only ending the thread frees the database.
 */
export class PgliteThread {
  readonly ready: Promise<void>;
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private next = 0;
  private gone: Error | undefined;

  constructor(init: WorkerInit, private readonly onStuck: (thread: PgliteThread) => void) {
    this.worker = spawn(init);
    this.ready = new Promise((resolve, reject) => {
      this.worker.on('message', (m: Reply | Status) => {
        if ('status' in m) {
          if (m.status === 'ready') resolve();
          else reject(new EmbeddedError(m.error));
          return;
        }
        this.settle(m);
      });
      this.worker.on('error', (err) => {
        reject(err);
        this.fail(new EmbeddedUnavailable(`the embedded database thread failed: ${err.message}`));
      });
      this.worker.on('exit', () => {
        reject(new EmbeddedUnavailable('the embedded database thread exited'));
        this.fail(new EmbeddedUnavailable('the embedded database thread exited'));
      });
    });
    this.ready.catch(() => {});
  }

  /** False once the thread failed, exited or was ended. */
  get alive(): boolean {
    return this.gone === undefined;
  }

  /** timeoutMs 0: no timeout. */
  call(req: Call, timeoutMs: number): Promise<Reply> {
    if (this.gone) return Promise.reject(this.gone);
    const id = ++this.next;
    return new Promise<Reply>((resolve, reject) => {
      const timer = timeoutMs > 0
        ? setTimeout(() => {
          this.pending.delete(id);
          reject(new StatementCancelled(`canceling statement due to statement timeout (${timeoutMs} ms)`));
          this.onStuck(this);
        }, timeoutMs)
        : undefined;
      this.pending.set(id, { resolve, reject, timer });
      this.worker.postMessage({ ...req, id } as Request);
    });
  }

  /** Ends the thread now (a running statement included); its open transaction is never committed. */
  async end(): Promise<void> {
    this.fail(new EmbeddedUnavailable('the embedded database was restarted'));
    await this.worker.terminate();
  }

  private settle(reply: Reply): void {
    const p = this.pending.get(reply.id);
    if (p === undefined) return; // answered already: timed out
    this.pending.delete(reply.id);
    clearTimeout(p.timer);
    if ('error' in reply) p.reject(new EmbeddedError(reply.error));
    else p.resolve(reply);
  }

  private fail(err: Error): void {
    this.gone ??= err;
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(this.gone);
    }
    this.pending.clear();
  }
}
