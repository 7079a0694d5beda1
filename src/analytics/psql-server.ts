import { embeddedContextKey } from '../db/context-key.js';
import { pathToFileURL } from 'node:url';
import type { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { loadConfig } from '../config.js';
import { migrateEmbedded } from '../db/migrate.js';
import { openPglite } from '../db/pglite.js';

/*
 * `npm run psql-server`: the embedded database (DATA_DIR) served over the PostgreSQL protocol
 * with @electric-sql/pglite-socket, so psql, pg_dump or any driver can reach it:
 *   psql "postgres://postgres@127.0.0.1:5432/postgres"   (PSQL_PORT, PSQL_HOST to change)
 * PGlite is one process with one session: stop the FHIR server first (both would open DATA_DIR),
 * and connect one client at a time. The session is PGlite's superuser; use
 * `set role fhir_analyst` or `select fhir_admin.as_tenant('acme')` inside BEGIN to work under RLS.
 */

export interface PsqlServer {
  url: string;
  stop(): Promise<void>;
}

export async function startPsqlServer(pg: PGlite, port: number, host = '127.0.0.1'): Promise<PsqlServer> {
  const server = new PGLiteSocketServer({ db: pg, port, host });
  await server.start();
  return { url: `postgres://postgres@${host}:${port}/postgres`, stop: () => server.stop() };
}

async function main(): Promise<void> {
  const config = loadConfig();
  if (config.databaseUrl !== undefined) {
    console.error('DATABASE_URL is set: connect psql to that server directly (docs/operating-with-psql.md).');
    process.exit(2);
  }
  const port = Number(process.env.PSQL_PORT ?? 5432);
  const key = config.contextKey ?? embeddedContextKey(config.dataDir);
  const db = await openPglite(config.dataDir, key);
  await migrateEmbedded(db.pg, key);
  const server = await startPsqlServer(db.pg, port, process.env.PSQL_HOST ?? '127.0.0.1');
  console.log(`Serving ${config.dataDir} (PGlite) on ${server.url}. Stop the FHIR server while this runs; Ctrl-C to stop.`);
  const stop = () => {
    void server.stop().then(() => db.close()).finally(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
