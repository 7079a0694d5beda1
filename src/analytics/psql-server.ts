import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { embeddedContextKey } from '../db/context-key.js';
import { pathToFileURL } from 'node:url';
import type { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { loadConfig } from '../config.js';
import { lockDataDir } from '../db/data-dir-lock.js';
import { migrateEmbedded } from '../db/migrate.js';
import { openPglite } from '../db/pglite.js';
import { authenticate, scramSecret } from './psql-auth.js';

/*
 * `npm run psql-server`: the embedded database (DATA_DIR) served over the PostgreSQL protocol,
 * so psql, pg_dump or any driver can reach it:
 *   PGPASSWORD=... psql "postgres://postgres@127.0.0.1:5432/postgres"   (PSQL_PORT, PSQL_HOST to change)
 * The session is PGlite's superuser, so the port needs a password: PSQL_SERVER_PASSWORD, or one
 * generated at start and printed once. The listener checks it (SCRAM-SHA-256, psql-auth.ts) and
 * only then hands the connection to @electric-sql/pglite-socket, which listens on a Unix socket
 * in a private (0700) directory: nothing reaches PGlite without the password. The data directory
 * is locked (data-dir-lock.ts): stop the FHIR server first. Use `set role fhir_analyst` or
 * `select fhir_admin.as_tenant('acme')` inside BEGIN to work under RLS.
 */

export interface PsqlServer {
  /** A connection URL, password included. */
  url: string;
  host: string;
  port: number;
  stop(): Promise<void>;
}

export interface PsqlServerOptions {
  port: number;
  /** Default 127.0.0.1: only this machine. */
  host?: string;
  password: string;
}

/** A password for psql when the operator sets none: 192 random bits, URL-safe. */
export const generatePassword = () => randomBytes(24).toString('base64url');

function handOver(client: Socket, backendPath: string, startup: Buffer, rest: Buffer): void {
  const backend = connect(backendPath, () => {
    backend.write(Buffer.concat([startup, rest]));
    client.pipe(backend);
    backend.pipe(client);
    client.resume();
  });
  const close = () => {
    client.destroy();
    backend.destroy();
  };
  backend.on('error', close).on('close', close);
  client.on('error', close).on('close', close);
}

export async function startPsqlServer(pg: PGlite, options: PsqlServerOptions): Promise<PsqlServer> {
  if (options.password === '') throw new Error('startPsqlServer: a password is required');
  const host = options.host || '127.0.0.1';
  const secret = scramSecret(options.password);
  const privateDir = mkdtempSync(join(tmpdir(), 'fhir-psql-'));
  const backendPath = join(privateDir, '.s.PGSQL');
  // Several clients may be connected; PGlite runs one statement (one transaction) at a time.
  const backend = new PGLiteSocketServer({ db: pg, path: backendPath, maxConnections: 8 });
  await backend.start();

  const clients = new Set<Socket>();
  const front = createServer((client) => {
    clients.add(client);
    client.once('close', () => clients.delete(client));
    client.setNoDelay(true);
    // An unauthenticated connection may not hold the port open for long.
    client.setTimeout(30_000, () => client.destroy());
    client.on('error', () => client.destroy());
    authenticate(client, secret).then((ok) => {
      client.setTimeout(0);
      if (ok === undefined) return void client.end();
      handOver(client, backendPath, ok.startup, ok.rest);
    }, () => client.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    front.once('error', reject);
    front.listen(options.port, host, () => resolve());
  });
  const { port } = front.address() as AddressInfo;
  const url = `postgres://postgres:${encodeURIComponent(options.password)}@${host}:${port}/postgres`;
  return {
    url,
    host,
    port,
    stop: async () => {
      const closed = new Promise<void>((resolve) => front.close(() => resolve()));
      for (const client of clients) client.destroy();
      await closed;
      await backend.stop();
      rmSync(privateDir, { recursive: true, force: true });
    },
  };
}

async function main(): Promise<void> {
  const config = loadConfig();
  if (config.databaseUrl !== undefined) {
    console.error('DATABASE_URL is set: connect psql to that server directly (docs/operating-with-psql.md).');
    process.exit(2);
  }
  const port = Number(process.env.PSQL_PORT || 5432);
  const given = process.env.PSQL_SERVER_PASSWORD || undefined;
  const password = given ?? generatePassword();
  lockDataDir(config.dataDir);
  const key = config.contextKey ?? embeddedContextKey(config.dataDir);
  const db = await openPglite(config.dataDir, key);
  await migrateEmbedded(db.pg, key);
  const server = await startPsqlServer(db.pg, { port, host: process.env.PSQL_HOST, password });
  console.log(`Serving ${config.dataDir} (PGlite) on postgres://postgres@${server.host}:${server.port}/postgres`);
  if (given === undefined) {
    console.log(`Password, generated for this run (set PSQL_SERVER_PASSWORD to choose one): ${password}`);
    console.log(`  psql "${server.url}"`);
  }
  console.log('One process at a time on DATA_DIR: the FHIR server cannot start while this runs. Ctrl-C to stop.');
  const stop = () => {
    void server.stop().then(() => db.close()).finally(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
