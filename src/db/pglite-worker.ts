import { readFileSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';
import { migrateEmbedded } from './migrate.js';
import { serializeError, type Reply, type Request, type Status, type WorkerInit } from './pglite-protocol.js';

/*
 * The thread that runs PGlite (pglite-thread.ts starts it). PGlite is WASM and runs a statement to
 * its end without yielding, and ignores statement_timeout: here, a costly statement stops only
 * this thread, and the main thread can end it (Worker.terminate) and open the database again.
 * Messages are handled in arrival order: PGlite queues its calls in the order they are made.
 */

const port = parentPort!;
const { dataDir, options, loadFrom } = workerData as WorkerInit;

async function handle(pg: PGlite, m: Request): Promise<Reply> {
  switch (m.op) {
    case 'query': {
      // Both calls are made before either is awaited, so nothing can run between BEGIN and the query.
      const begun = m.begin ? pg.exec('begin') : undefined;
      const result = pg.query(m.text, m.params as unknown[]);
      await begun;
      return { id: m.id, rows: (await result).rows as Record<string, unknown>[] };
    }
    case 'exec':
      return { id: m.id, results: (await pg.exec(m.text)).map((r) => ({ rows: r.rows as Record<string, unknown>[] })) };
    case 'migrate':
      await migrateEmbedded(pg, m.contextKey);
      return { id: m.id, done: true };
    case 'close':
      await pg.close();
      return { id: m.id, done: true };
  }
}

try {
  const pg = dataDir !== undefined ? new PGlite(dataDir, options)
    : new PGlite({ ...options, ...(loadFrom === undefined ? {} : { loadDataDir: new Blob([readFileSync(loadFrom)]) }) });
  await pg.waitReady;
  port.on('message', (m: Request) => {
    handle(pg, m).then(
      (reply) => port.postMessage(reply),
      (err: unknown) => port.postMessage({ id: m.id, error: serializeError(err) } satisfies Reply),
    );
  });
  port.postMessage({ status: 'ready' } satisfies Status);
} catch (err) {
  port.postMessage({ status: 'failed', error: serializeError(err) } satisfies Status);
}
