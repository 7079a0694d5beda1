import { PGlite } from '@electric-sql/pglite';
import type { Database, Tx } from './database.js';

/** Embedded Postgres (WASM). dataDir undefined: in memory (tests). One connection: PGlite serializes. */
export async function openPglite(dataDir: string | undefined): Promise<Database & { pg: PGlite }> {
  const pg = dataDir === undefined ? new PGlite() : new PGlite(dataDir);
  await pg.waitReady;
  return {
    kind: 'pglite',
    pg,
    transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
      return pg.transaction((t) =>
        fn({ query: async (text, params = []) => (await t.query(text, params as unknown[])).rows as never }),
      );
    },
    close: () => pg.close(),
  };
}
