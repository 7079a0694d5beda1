import { PGlite } from '@electric-sql/pglite';
import type { Database, Tx } from './database.js';

/**
 * Embedded Postgres (WASM) in this thread, for the tools that need the PGlite instance itself
 * (psql-server, db:migrate). The server runs it in a worker instead (pglite-threaded.ts): here a
 * costly statement stops the whole process. dataDir undefined: in memory. One connection.
 * contextKey: the tenant-context key its migrations registered (src/db/context-key.ts).
 */
export async function openPglite(dataDir: string | undefined, contextKey: string): Promise<Database & { pg: PGlite }> {
  const pg = dataDir === undefined ? new PGlite() : new PGlite(dataDir);
  await pg.waitReady;
  let active = 0;
  return {
    kind: 'pglite',
    pg,
    // PGlite ignores statement_timeout, and in this thread nothing could act on it.
    statementTimeoutMs: 0,
    contextKey,
    async transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
      active++;
      try {
        return await pg.transaction((t) =>
          fn({ query: async (text, params = []) => (await t.query(text, params as unknown[])).rows as never }),
        );
      } finally {
        active--;
      }
    },
    async statement(text, params) {
      return (await pg.query(text, params as unknown[])).rows as never;
    },
    async ping() {
      await pg.query('select 1');
    },
    stats: () => ({ inUse: Math.min(active, 1), waiting: Math.max(0, active - 1), max: 1 }),
    close: () => pg.close(),
  };
}
