import { createTenant } from './admin/tenants.js';
import type { Config } from './config.js';
import { openDatabase } from './db/open.js';
import { withAdmin } from './db/doors.js';
import type { BaseDeps } from './env.js';
import type { Logger } from './log.js';

/** Opens (and migrates) the database; on the first start of an embedded one, creates tenant `demo`. */
export async function bootstrap(config: Config, log: Logger): Promise<BaseDeps> {
  const { db, createdNow } = await openDatabase(config, log);
  if (createdNow) {
    // A newcomer's first start: a tenant to try at once (README: Quick start).
    await withAdmin(db, (tx) => createTenant(tx, 'demo', 'Demo tenant', {}));
    log.info('created tenant "demo"');
  }
  return { db, config, log };
}
