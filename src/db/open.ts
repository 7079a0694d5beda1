import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import type { Database } from './database.js';
import { migrateEmbedded, migratePostgresUrl } from './migrate.js';
import { openPglite } from './pglite.js';
import { openPostgres } from './postgres.js';

export interface OpenedDatabase {
  db: Database;
  /** True when the embedded database was created by this start (the demo tenant is made then). */
  createdNow: boolean;
}

export async function openDatabase(config: Config, log: Logger): Promise<OpenedDatabase> {
  if (config.databaseUrl !== undefined) {
    if (config.migrateOnStart && config.migrationDatabaseUrl !== undefined) {
      await migratePostgresUrl(config.migrationDatabaseUrl);
      log.info('migrations applied');
    }
    return {
      db: openPostgres(config.databaseUrl, {
        max: config.dbPoolMax,
        statementTimeoutMs: config.statementTimeoutMs,
        connectTimeoutSeconds: config.dbConnectTimeoutSeconds,
        prepare: config.dbPrepare,
        maxPrepared: config.dbPreparedStatements,
        startTimeoutMs: config.dbStartTimeoutMs,
      }),
      createdNow: false,
    };
  }
  // No database in it yet: the directory is missing, or empty (a fresh volume mounted there).
  const createdNow = !existsSync(join(config.dataDir, 'PG_VERSION'));
  const db = await openPglite(config.dataDir);
  await migrateEmbedded(db.pg);
  log.info({ dataDir: config.dataDir }, 'embedded database (PGlite) ready');
  return { db, createdNow };
}
