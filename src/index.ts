import { serve } from '@hono/node-server';
import { createApp } from './app.js';
import { bootstrap } from './bootstrap.js';
import { authConfigured, exitOnConfigError, loadConfig } from './config.js';
import { createLogger } from './log.js';
import { startReindexWorker } from './fhir/repository/reindex-queue.js';
import { startAnalyzer } from './db/analyze.js';
import { startBulkRunner } from './bulk/index.js';

const config = await exitOnConfigError(loadConfig);
const log = createLogger(config.logLevel);

// postgres.js (3.4.x) can throw from a setImmediate when a backend is terminated while a write to
// it is queued (connection.js nextWrite: socket already null). The query itself fails and is
// answered 503; the throw must not take the whole server down. Anything else is fatal.
process.on('uncaughtException', (err) => {
  if (err instanceof TypeError && /reading 'write'/.test(err.message) && /postgres[/\\]src[/\\]connection\.js/.test(err.stack ?? '')) {
    log.warn({ err }, 'a database connection closed while a write was queued; the server goes on');
    return;
  }
  log.fatal({ err }, 'uncaught exception');
  process.exit(1);
});
const deps = await exitOnConfigError(() => bootstrap(config, log));

if (!authConfigured(config.auth)) log.warn('gateway mode: no token verification configured, X-Tenant-ID is trusted; run behind an authenticating gateway');
if (config.adminToken === undefined) log.info('admin API disabled (set ADMIN_TOKEN to enable it)');

// Reindex requests recorded from psql (fhir_admin.request_reindex) are carried out here.
const stopReindexWorker = startReindexWorker(deps.db, log);
// Statistics after bulk writes, and periodically on PGlite, which has no autovacuum.
const analyzer = startAnalyzer(deps.db, log);
// Bulk Data jobs ($export): resumed from their checkpoints after a restart (src/bulk/runner.ts).
const bulkRunner = startBulkRunner(deps);

const server = serve({ fetch: createApp(deps).fetch, port: config.port, hostname: config.host }, (info) => {
  log.info({ port: info.port, host: config.host, backend: deps.db.kind }, 'FHIR server listening');
});

// SIGTERM: stop accepting, let in-flight requests finish (up to SHUTDOWN_GRACE_MS), close the pool.
let stopping = false;
const shutdown = () => {
  if (stopping) return;
  stopping = true;
  log.info({ graceMs: config.shutdownGraceMs }, 'shutting down');
  const force = setTimeout(() => {
    log.warn('in-flight requests did not finish in time; exiting');
    process.exit(1);
  }, config.shutdownGraceMs);
  force.unref();
  stopReindexWorker();
  analyzer.stop();
  server.close(() => {
    // The step in progress commits (or rolls back) before the pool closes; the job resumes at the next start.
    void bulkRunner.stop().then(() => deps.db.close()).finally(() => process.exit(0));
  });
  // Idle keep-alive connections would hold close() open until they time out.
  (server as { closeIdleConnections?: () => void }).closeIdleConnections?.();
};
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
