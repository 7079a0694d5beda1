import { exitOnConfigError, loadConfig } from '../config.js';
import { embeddedContextKey } from './context-key.js';
import { migrateEmbedded, migratePostgresUrl } from './migrate.js';
import { openPglite } from './pglite.js';
import { lockDataDir } from './data-dir-lock.js';

// `npm run db:migrate`: apply pending migrations and exit, on whichever backend the config names.
const config = await exitOnConfigError(loadConfig);
if (config.migrationDatabaseUrl !== undefined) {
  const url = config.migrationDatabaseUrl;
  if ((await exitOnConfigError(() => migratePostgresUrl(url, config.contextKey))) === 'current') {
    console.log('migrations are current (this login may not apply them, and none is pending)');
    process.exit(0);
  }
  if (config.contextKey === undefined) console.warn('TENANT_CONTEXT_KEY is not set: no key registered (the server needs one)');
} else {
  lockDataDir(config.dataDir);
  const key = config.contextKey ?? embeddedContextKey(config.dataDir);
  const db = await openPglite(config.dataDir, key);
  await migrateEmbedded(db.pg, key);
  await db.close();
}
console.log('migrations applied');
