import { withAdmin } from './db/doors.js';
import { listTenants } from './admin/tenants.js';
import { bootstrap } from './bootstrap.js';
import { exitOnConfigError, loadConfig } from './config.js';
import { reindexShared, reindexTenant } from './fhir/repository/reindex.js';
import { createLogger } from './log.js';

// `npm run reindex [-- tenant ...]`: rebuild the search indexes of the named tenants, or of every
// tenant and the shared set. On the embedded database, stop the server first (one process at a time).
const config = await exitOnConfigError(loadConfig);
const log = createLogger(config.logLevel);
const { db } = await exitOnConfigError(() => bootstrap(config, log));
const named = process.argv.slice(2);
const tenants = named.length ? named : (await withAdmin(db, listTenants)).map((t) => t.id);
for (const tenant of tenants) log.info({ tenant, resources: await reindexTenant(db, tenant) }, 'reindexed');
if (!named.length) log.info({ resources: await reindexShared(db) }, 'reindexed the shared set');
await db.close();
