import postgres from 'postgres';
import { createTenant, loadBundles } from './fhir-client.js';
import { startCluster, type Cluster } from './pg-cluster.js';
import { startServer, type ServerProcess } from './server.js';
import { createFhirDatabase, type FhirDatabase } from './stack.js';
import { syntheaBundles } from '../../test/fixtures/synthea.js';

/** Pool size of the server and of the postgres.js ceiling (DB_POOL_MAX). */
export const POOL = Number(process.env.BENCH_POOL ?? 10);

/** The tenant holding the Synthea patients that read, search and profile use. */
export const DATA_TENANT = 'bench';

/**
 * What the benchmarks share in one run, started on first use: one throwaway PostgreSQL 15
 * cluster, the `fhir` database, the server on it, and tenant `bench` with the Synthea data.
 * Durable settings (fsync, synchronous_commit on), shared_buffers large enough for the data.
 */
export class BenchContext {
  private clusterP: Promise<Cluster> | undefined;
  private dbP: Promise<FhirDatabase> | undefined;
  private serverP: Promise<ServerProcess> | undefined;
  private loadedP: Promise<void> | undefined;
  private readonly stops: (() => Promise<void> | void)[] = [];

  cluster(): Promise<Cluster> {
    this.clusterP ??= (async () => {
      const c = startCluster(Number(process.env.BENCH_PG_PORT ?? 55499), [
        'shared_buffers=1GB',
        'max_wal_size=4GB',
        'shared_preload_libraries=pg_stat_statements',
        'pg_stat_statements.track=all',
        'pg_stat_statements.track_planning=on',
      ]);
      this.stops.push(() => c.stop());
      return c;
    })();
    return this.clusterP;
  }

  database(): Promise<FhirDatabase> {
    this.dbP ??= this.cluster().then((c) => createFhirDatabase(c, 'fhir'));
    return this.dbP;
  }

  server(): Promise<ServerProcess> {
    this.serverP ??= (async () => {
      const s = await startServer({ databaseUrl: (await this.database()).apiUrl, poolMax: POOL });
      this.stops.push(() => s.stop());
      return s;
    })();
    return this.serverP;
  }

  /** Tenant `bench` with the Synthea bundles, then ANALYZE. */
  async loaded(): Promise<{ base: string; db: FhirDatabase }> {
    const server = await this.server();
    this.loadedP ??= (async () => {
      await createTenant(server.base, DATA_TENANT);
      const s = await loadBundles(server.base, DATA_TENANT, syntheaBundles(), 2);
      console.log(`loaded ${syntheaBundles().length} Synthea bundles into tenant ${DATA_TENANT} in ${s.toFixed(1)} s`);
      await analyze((await this.database()).superUrl);
    })();
    await this.loadedP;
    return { base: server.base, db: await this.database() };
  }

  onClose(fn: () => Promise<void> | void): void {
    this.stops.push(fn);
  }

  async close(): Promise<void> {
    for (const stop of this.stops.reverse()) {
      try {
        await stop();
      } catch (err) {
        console.error('cleanup:', (err as Error).message);
      }
    }
  }
}

export async function analyze(superUrl: string): Promise<void> {
  const sql = postgres(superUrl, { max: 1, onnotice: () => {} });
  try {
    await sql.unsafe('vacuum analyze');
  } finally {
    await sql.end();
  }
}

/** Runs one benchmark on its own context (npm run bench:<name>), cleaning up on any exit. */
export async function standalone(run: (ctx: BenchContext) => Promise<unknown>): Promise<void> {
  const ctx = new BenchContext();
  const onSignal = () => void ctx.close().finally(() => process.exit(130));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    await run(ctx);
  } finally {
    await ctx.close();
  }
}
