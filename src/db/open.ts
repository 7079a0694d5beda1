import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, type Config } from '../config.js';
import type { Logger } from '../log.js';
import { embeddedContextKey } from './context-key.js';
import type { Database } from './database.js';
import { lockDataDir } from './data-dir-lock.js';
import { checkLogin } from './login-check.js';
import { migratePostgresUrl } from './migrate.js';
import { openPgliteWorker } from './pglite-threaded.js';
import { openPostgres } from './postgres.js';

export interface OpenedDatabase {
  db: Database;
  /** True when the embedded database was created by this start (the demo tenant is made then). */
  createdNow: boolean;
}

export async function openDatabase(config: Config, log: Logger): Promise<OpenedDatabase> {
  if (config.databaseUrl !== undefined) {
    const contextKey = config.contextKey;
    if (contextKey === undefined) {
      throw new ConfigError('TENANT_CONTEXT_KEY (or TENANT_CONTEXT_KEY_FILE) is required with DATABASE_URL: make one with `openssl rand -hex 32`, '
        + 'register it with `npm run db:migrate` (README: Running on PostgreSQL) and give every server of this database the same key');
    }
    if (config.migrateOnStart && config.migrationDatabaseUrl !== undefined) {
      const done = await migratePostgresUrl(config.migrationDatabaseUrl, contextKey);
      log.info(done === 'applied' ? 'migrations applied' : 'migrations are current (the login may not apply them; none is pending)');
    }
    const db = openPostgres(config.databaseUrl, {
      max: config.dbPoolMax,
      statementTimeoutMs: config.statementTimeoutMs,
      connectTimeoutSeconds: config.dbConnectTimeoutSeconds,
      prepare: config.dbPrepare,
      maxPrepared: config.dbPreparedStatements,
      startTimeoutMs: config.dbStartTimeoutMs,
      contextKey,
    });
    await checkLogin(db, log);
    return { db, createdNow: false };
  }
  // No database in it yet: the directory is missing, or empty (a fresh volume mounted there).
  const createdNow = !existsSync(join(config.dataDir, 'PG_VERSION'));
  lockDataDir(config.dataDir); // one process at a time on DATA_DIR (data-dir-lock.ts)
  const contextKey = config.contextKey ?? embeddedContextKey(config.dataDir);
  // In a worker thread: a costly statement must not stop the process (pglite-threaded.ts).
  const db = await openPgliteWorker(config.dataDir, { statementTimeoutMs: config.statementTimeoutMs, startTimeoutMs: config.dbStartTimeoutMs, contextKey });
  await db.migrate();
  log.info({ dataDir: config.dataDir }, 'embedded database (PGlite) ready');
  return { db, createdNow };
}
