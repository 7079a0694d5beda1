/**
 * Why the noisy-neighbour ratio moves: the plan PostgreSQL picks for tenant s's
 * `Observation?subject=…&code=…&date=…` alone in its database, with 100 neighbour tenants, and
 * with 100 neighbours after extended statistics (a bench-only experiment on the throwaway cluster)
 * — logged by auto_explain (analyze), printed here. Run: npm run bench:noisy-plans
 */
import { lastSearchPlan, logLength } from './lib/auto-explain.js';
import { analyze } from './lib/context.js';
import { createTenant, postBundle } from './lib/fhir-client.js';
import { startCluster } from './lib/pg-cluster.js';
import { searchQueries } from './lib/queries.js';
import { startServer, type ServerProcess } from './lib/server.js';
import { asSuperuser, createFhirDatabase } from './lib/stack.js';
import { syntheaBundles } from '../test/fixtures/synthea.js';

/** Extended statistics that let the planner see that a patient id or a code belongs to one tenant. */
const EXTENDED_STATISTICS = `
  create statistics if not exists bench_reference_target (dependencies, ndistinct) on tenant_id, target_type, target_id from search_reference;
  create statistics if not exists bench_token_value (dependencies, ndistinct) on tenant_id, code, value, system from search_token;
  analyze search_reference; analyze search_token;`;

const cluster = startCluster(Number(process.env.BENCH_PG_PORT ?? 55491), [
  'shared_preload_libraries=pg_stat_statements,auto_explain',
  'auto_explain.log_min_duration=0',
  'auto_explain.log_analyze=on',
  'auto_explain.log_nested_statements=on',
]);

/** Runs the path three times; the last auto_explain plan that touches a search table. */
async function plan(server: ServerProcess, path: string): Promise<string> {
  const from = logLength(cluster.dir);
  for (let i = 0; i < 3; i++) await (await fetch(server.base + path)).text();
  return lastSearchPlan(cluster.dir, from);
}

try {
  const bundles = syntheaBundles();
  for (const side of ['alone', 'with-neighbours'] as const) {
    const db = await createFhirDatabase(cluster, `plans_${side.replace('-', '_')}`);
    const server = await startServer({ databaseUrl: db.apiUrl });
    try {
      await createTenant(server.base, 's');
      await postBundle(server.base, 's', bundles[0]!.body);
      if (side === 'with-neighbours') {
        for (let i = 0; i < 100; i++) {
          await createTenant(server.base, `n-${i}`);
          await postBundle(server.base, `n-${i}`, bundles[i % bundles.length]!.body);
        }
      }
      await analyze(db.superUrl);
      const path = (await searchQueries(db.superUrl, 's')).obsByPatientCodeDate[0]!;
      console.log(`\n#### tenant s ${side}: ${path}\n${await plan(server, path)}`);
      if (side === 'with-neighbours') {
        await asSuperuser(db, (sql) => sql.unsafe(EXTENDED_STATISTICS));
        console.log(`\n#### tenant s with neighbours, after extended statistics:${EXTENDED_STATISTICS}\n${await plan(server, path)}`);
      }
    } finally {
      await server.stop();
    }
  }
} finally {
  cluster.stop();
}
