import { fileURLToPath } from 'node:url';
import type { PGlite } from '@electric-sql/pglite';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import { REGISTER_CONTEXT_KEY } from './context-key.js';

const migrationsFolder = fileURLToPath(new URL('../../sql', import.meta.url));
const options = { migrationsFolder, migrationsTable: '__drizzle_migrations', migrationsSchema: 'drizzle' };

// Any fixed number: two servers starting together must not apply the same migration twice.
const MIGRATION_LOCK = 7_746_001;

// The safety net of sql/0001 and sql/0017: whatever a migration forgot, every table ends under the
// security model, and no tenant table keeps column statistics.
const SECURE = ['CALL fhir_private.secure_tables()', 'CALL fhir_private.hide_statistics()'];

/**
 * Applies pending migrations on a real server, as the owner (or a superuser) in `url`, and
 * registers the tenant-context key when one is given (src/db/context-key.ts).
 */
export async function migratePostgresUrl(url: string, contextKey?: string): Promise<void> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await sql`select pg_advisory_lock(${MIGRATION_LOCK})`;
    await migratePostgres(drizzlePostgres(sql), options);
    for (const statement of SECURE) await sql.unsafe(statement);
    if (contextKey !== undefined) await sql.unsafe(REGISTER_CONTEXT_KEY, [contextKey]);
    await sql`select pg_advisory_unlock(${MIGRATION_LOCK})`;
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
