import { loadConfig } from '../config.js';
import { migrateEmbedded, migratePostgresUrl } from './migrate.js';
import { openPglite } from './pglite.js';
import { lockDataDir } from './data-dir-lock.js';

// `npm run db:migrate`: apply pending migrations and exit, on whichever backend the config names.
const config = loadConfig();
if (config.migrationDatabaseUrl !== undefined) {
  await migratePostgresUrl(config.migrationDatabaseUrl);
} else {
  lockDataDir(config.dataDir);
  const db = await openPglite(config.dataDir);
  await migrateEmbedded(db.pg);
  await db.close();
}
console.log('migrations applied');
