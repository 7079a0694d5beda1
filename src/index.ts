import { serve } from '@hono/node-server';
import { createApp } from './app.js';
import { bootstrap } from './bootstrap.js';
import { authConfigured, loadConfig } from './config.js';
import { createLogger } from './log.js';

const config = loadConfig();
const log = createLogger(config.logLevel);
const deps = await bootstrap(config, log);

if (!authConfigured(config.auth)) log.warn('gateway mode: no token verification configured, X-Tenant-ID is trusted; run behind an authenticating gateway');
if (config.adminToken === undefined) log.info('admin API disabled (set ADMIN_TOKEN to enable it)');

const server = serve({ fetch: createApp(deps).fetch, port: config.port, hostname: config.host }, (info) => {
  log.info({ port: info.port, host: config.host, backend: deps.db.kind }, 'FHIR server listening');
});

const shutdown = () => {
  log.info('shutting down');
  server.close(() => {
    void deps.db.close().finally(() => process.exit(0));
  });
};
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
