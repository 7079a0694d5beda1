import { fileURLToPath } from 'node:url';
import type { PGlite } from '@electric-sql/pglite';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { readMigrationFiles } from 'drizzle-orm/migrator';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import { ConfigError } from '../config.js';
import { REGISTER_CONTEXT_KEY } from './context-key.js';
import { sqlState } from './database.js';
import { socketOptions, socketUrl } from './postgres.js';

const migrationsFolder = fileURLToPath(new URL('../../sql', import.meta.url));
const options = { migrationsFolder, migrationsTable: '__drizzle_migrations', migrationsSchema: 'drizzle' };

// Any fixed number: two servers starting together must not apply the same migration twice.
const MIGRATION_LOCK = 7_746_001;

// The safety net of sql/0001 and sql/0017: whatever a migration forgot, every table ends under the
// security model, and no tenant table keeps column statistics.
const SECURE = ['CALL fhir_private.secure_tables()', 'CALL fhir_private.hide_statistics()'];

// The history is readable by the API login (fhir_app), so that a server started with it can tell
// that the schema is current and go on. It holds only hashes and timestamps of files in sql/.
// Skipped, not failed, when this migrator did not create drizzle's table and may not grant on it.
const SHARE_HISTORY = `DO $$ BEGIN
  GRANT USAGE ON SCHEMA drizzle TO fhir_app;
  GRANT SELECT ON drizzle.__drizzle_migrations TO fhir_app;
EXCEPTION WHEN insufficient_privilege THEN RAISE NOTICE 'migration history not shared with fhir_app: %', SQLERRM;
END $$`;

// Who may apply migrations: a superuser or a member of fhir_owner; before the first migration
// (no roles yet) whoever tries, as before (a CREATEROLE owner of the database may).
const CAN_MIGRATE = `select r.rolsuper or not exists (select 1 from pg_roles where rolname = 'fhir_owner')
    or pg_has_role(session_user, 'fhir_owner', 'MEMBER') as ok
  from pg_roles r where r.rolname = session_user`;

// drizzle wraps the driver's error (DrizzleQueryError, the PostgresError as its cause).
function stateOf(err: unknown): string | undefined {
  return sqlState(err) ?? (err instanceof Error ? sqlState(err.cause) : undefined);
}

// The driver's own words (no query text, no secret: PostgreSQL never echoes a password).
function driverMessage(err: unknown): string {
  const driver = err instanceof Error && err.cause instanceof Error ? err.cause : err;
  return driver instanceof Error ? driver.message : String(driver);
}

export type MigrationState = 'current' | 'pending' | 'unreadable';

/**
 * Compares drizzle's history in the database with the journal in sql/, as drizzle's migrator
 * does: a migration is pending when it is newer than the newest one applied. No history at all
 * (a fresh database) is pending; a history this login may not read is 'unreadable'.
 */
async function migrationState(sql: postgres.Sql): Promise<MigrationState> {
  const newest = Math.max(...readMigrationFiles(options).map((m) => m.folderMillis));
  try {
    const [row] = await sql<{ at: string | null }[]>`select max(created_at)::text as at from drizzle.__drizzle_migrations`;
    return row?.at != null && Number(row.at) >= newest ? 'current' : 'pending';
  } catch (err) {
    if (sqlState(err) === '42P01') return 'pending';
    if (sqlState(err) === '42501') return 'unreadable';
    throw err;
  }
}

function cannotMigrate(state: Exclude<MigrationState, 'current'>): ConfigError {
  const why = state === 'pending' ? 'migrations are pending' : 'it cannot tell whether migrations are current (it may not read drizzle.__drizzle_migrations)';
  return new ConfigError(`The database login of MIGRATION_DATABASE_URL (or DATABASE_URL) may not apply migrations, and ${why}: `
    + 'run `npm run db:migrate` with MIGRATION_DATABASE_URL set to the owner (or a superuser), or start with MIGRATE_ON_START=false');
}

/**
 * Applies pending migrations on a real server, as the owner (or a superuser) in `url`, and
 * registers the tenant-context key when one is given (src/db/context-key.ts). A login that may not
 * migrate (the API login) gets 'current' when there is nothing to apply, else a ConfigError that
 * says what to run.
 */
export async function migratePostgresUrl(url: string, contextKey?: string): Promise<'applied' | 'current'> {
  const target = socketUrl(url);
  const sql = postgres(target.url, { ...socketOptions(target), max: 1, onnotice: () => {} });
  try {
    const [can] = await sql.unsafe<{ ok: boolean }[]>(CAN_MIGRATE);
    if (can?.ok !== true) {
      const state = await migrationState(sql);
      if (state === 'current') return 'current';
      throw cannotMigrate(state);
    }
    await sql`select pg_advisory_lock(${MIGRATION_LOCK})`;
    await migratePostgres(drizzlePostgres(sql), options);
    for (const statement of [...SECURE, SHARE_HISTORY]) await sql.unsafe(statement);
    if (contextKey !== undefined) await sql.unsafe(REGISTER_CONTEXT_KEY, [contextKey]);
    await sql`select pg_advisory_unlock(${MIGRATION_LOCK})`;
    return 'applied';
  } catch (err) {
    // Not a stack trace for a wrong password: the one thing to fix, without the secret.
    const state = stateOf(err);
    if (state === '28P01' || state === '28000') {
      throw new ConfigError(`The database refused the migration login: authentication failed (${driverMessage(err)}); `
        + 'check the user and password of MIGRATION_DATABASE_URL (or DATABASE_URL)');
    }
    if (state === '42501') {
      throw new ConfigError(`Applying migrations was refused (${driverMessage(err)}): `
        + 'run `npm run db:migrate` with MIGRATION_DATABASE_URL set to the owner (or a superuser), or start with MIGRATE_ON_START=false');
    }
    throw err;
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** Applies pending migrations to an embedded database (its only user is a superuser), registers its key. */
export async function migrateEmbedded(pg: PGlite, contextKey: string): Promise<void> {
  await migratePglite(drizzlePglite(pg), options);
  for (const statement of SECURE) await pg.exec(statement);
  await pg.query(REGISTER_CONTEXT_KEY, [contextKey]);
}
