import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { inject } from 'vitest';
import type { Database, Row } from '../../src/db/database.js';
import { openPgliteWorker } from '../../src/db/pglite-threaded.js';
import { openPostgres } from '../../src/db/postgres.js';
import { APP_LOGIN, TEMPLATE_DB, TEST_CONTEXT_KEY, withDatabase } from './server-url.js';

/** Owner-level access for assertions: sees every row (a superuser), outside the app's roles. */
export interface OwnerSql {
  query<T extends Row = Row>(text: string, params?: unknown[]): Promise<T[]>;
}

export interface TestDatabase {
  kind: 'pglite' | 'postgres';
  /** What the server uses: on a real server, the unprivileged API login. */
  db: Database;
  owner: OwnerSql;
  /** Real server only: a URL for extra connections as the API login. */
  appUrl?: string;
  close(): Promise<void>;
}

export const onRealServer = () => Boolean(process.env.TEST_DATABASE_URL);

/** A fresh, migrated database for one test file, on PGlite or (TEST_DATABASE_URL) a real server. */
export async function startTestDatabase(): Promise<TestDatabase> {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) {
    // As the server opens it: PGlite in a worker thread (in memory here). Tests on a shared
    // machine may queue hundreds of requests on its one session: a long start timeout (a test of
    // the timeout opens its own database).
    // A copy of the suite's migrated template (global-setup.ts); unset when run outside vitest's setup.
    const template = inject('pgliteTemplate');
    const db = await openPgliteWorker(undefined, { startTimeoutMs: 120_000, contextKey: TEST_CONTEXT_KEY, ...(template ? { loadFrom: template } : {}) });
    await db.migrate();
    return {
      kind: 'pglite',
      db,
      owner: { query: async (text, params) => (await db.pg.query(text, params)).rows as never },
      close: () => db.close(),
    };
  }
  const name = `fhir_test_${randomBytes(6).toString('hex')}`;
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name} template ${TEMPLATE_DB}`);
  // A database's privileges are not copied from its template: as sql/0017 on the template.
  await admin.unsafe(`revoke temporary on database ${name} from public`);
  await admin.unsafe(`grant temporary on database ${name} to fhir_owner, fhir_admin, fhir_analyst`);
  await admin.end();
  const owner = postgres(withDatabase(url, name), { max: 2, onnotice: () => {} });
  // TEST_PGBOUNCER_PORT: the app's connections go through PgBouncer in transaction mode (no
  // named prepared statements there); migrations and the owner's checks go direct.
  const bouncer = process.env.TEST_PGBOUNCER_PORT;
  const direct = withDatabase(url, name, { name: APP_LOGIN, password: APP_LOGIN });
  const appUrl = bouncer ? direct.replace(/:\d+\//, `:${bouncer}/`) : direct;
  const db = openPostgres(appUrl, { max: 10, prepare: !bouncer, contextKey: TEST_CONTEXT_KEY });
  return {
    kind: 'postgres',
    db,
    appUrl,
    owner: { query: (text, params = []) => owner.unsafe(text, params as never[]) as never },
    close: async () => {
      await db.close();
      await owner.end();
      const drop = postgres(url, { max: 1, onnotice: () => {} });
      await drop.unsafe(`drop database if exists ${name} with (force)`);
      await drop.end();
    },
  };
}
