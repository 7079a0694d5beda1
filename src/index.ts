import { serve } from '@hono/node-server';
import { createApp } from './app.js';
import { loadConfig } from './config.js';
import { openDatabase } from './db/open.js';
import { withAdmin } from './db/with-tenant.js';
import { createTenant } from './admin/tenants.js';
import { createLogger } from './log.js';

const config = loadConfig();
const log = createLogger(config.logLevel);
const { db, createdNow } = await openDatabase(config, log);

// A newcomer's first start: a tenant to try at once (README: Quick start).
if (createdNow) {
  await withAdmin(db, (tx) => createTenant(tx, 'demo', 'Demo tenant', {}));
  log.info('created tenant "demo"');
}
log.warn('gateway mode: X-Tenant-ID is trusted; run behind an authenticating gateway');
if (config.adminToken === undefined) log.info('admin API disabled (set ADMIN_TOKEN to enable it)');

const server = serve({ fetch: createApp({ db, config, log }).fetch, port: config.port, hostname: config.host }, (info) => {
  log.info({ port: info.port, host: config.host, backend: db.kind }, 'FHIR server listening');
});

const shutdown = () => {
  log.info('shutting down');
  server.close(() => {
    void db.close().finally(() => process.exit(0));
  });
};
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
