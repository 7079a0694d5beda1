/**
 * Cross-tenant analytics: all Synthea bundles loaded (transaction Bundles over HTTP) into 10
 * tenants on a throwaway PostgreSQL 15 cluster, then queries timed as an analyst login (a member
 * of fhir_analyst, created the way docs/operating-with-psql.md says), median of several runs,
 * result rows fetched by the client included. Writes bench/results/analytics.json.
 * Run: npx tsx bench/analytics.ts (BENCH_TENANTS, BENCH_PG_PORT, SYNTHEA_DIR to change).
 */
import { writeFileSync } from 'node:fs';
import { serve } from '@hono/node-server';
import { pino } from 'pino';
import postgres from 'postgres';
import { createApp } from '../src/app.js';
import { bootstrap } from '../src/bootstrap.js';
import { loadConfig } from '../src/config.js';
import { syntheaBundles } from '../test/fixtures/synthea.js';
import { startCluster } from './lib/pg-cluster.js';

const bundles = syntheaBundles().map((b) => b.body);
const TENANTS = Array.from({ length: Number(process.env.BENCH_TENANTS ?? 10) }, (_, i) => `tenant-${String(i + 1).padStart(2, '0')}`);
const RUNS = 7;
const ADMIN = 'bench-admin-token-0123456789';

const observationView = {
  resourceType: 'ViewDefinition', name: 'observation_codes', status: 'active', resource: 'Observation',
  select: [{ column: [
    { name: 'id', path: 'getResourceKey()' },
    { name: 'code', path: "code.coding.where(system = 'http://loinc.org').code.first()", type: 'code' },
    { name: 'effective', path: 'effective.ofType(dateTime)', type: 'dateTime' },
  ] }],
};

const QUERIES: Record<string, string> = {
  patientsPerTenant: 'select tenant_id, count(*) from fhir_views.patient group by tenant_id order by tenant_id',
  observationsByCodeMonthTenant: `select tenant_id, resource #>> '{code,coding,0,code}' as code, left(resource ->> 'effectiveDateTime', 7) as month, count(*)
    from fhir_views.observation group by 1, 2, 3 order by 1, 2, 3`,
  viewDefinitionByCodeMonthTenant: `select tenant_id, code, left(effective, 7) as month, count(*)
    from fhir_analytics.observation_codes group by 1, 2, 3 order by 1, 2, 3`,
  materializedByCodeMonthTenant: `select tenant_id, code, left(effective, 7) as month, count(*)
    from fhir_analytics.observation_codes_mat group by 1, 2, 3 order by 1, 2, 3`,
};

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function load(base: string): Promise<number> {
  const post = (path: string, body: string, headers: Record<string, string>) => fetch(`${base}${path}`, { method: 'POST', headers, body });
  for (const id of TENANTS) {
    const res = await post('/admin/tenants', JSON.stringify({ id, name: id }), { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' });
    if (res.status !== 201) throw new Error(`tenant ${id}: ${res.status} ${await res.text()}`);
  }
  const started = performance.now();
  // Tenants in parallel, each tenant's bundles in order (a bundle may refer to an earlier one).
  await Promise.all(TENANTS.map(async (tenant) => {
    for (const body of bundles) {
      const res = await post(`/tenants/${tenant}/fhir`, body, { 'content-type': 'application/fhir+json', prefer: 'return=minimal' });
      if (res.status !== 200) throw new Error(`ingest ${tenant}: ${res.status} ${(await res.text()).slice(0, 300)}`);
      await res.arrayBuffer();
    }
  }));
  return (performance.now() - started) / 1000;
}

async function timeQuery(sql: postgres.Sql, text: string): Promise<{ ms: number; runs: number[]; rows: number }> {
  let rows = 0;
  const runs: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    rows = (await sql.unsafe(text)).length;
    runs.push(performance.now() - t);
  }
  return { ms: Math.round(median(runs) * 10) / 10, runs: runs.map((r) => Math.round(r * 10) / 10), rows };
}

const cluster = startCluster(Number(process.env.BENCH_PG_PORT ?? 55498));
try {
  const superuser = postgres(cluster.url, { max: 1, onnotice: () => {} });
  await superuser.unsafe('create database fhir');
  await superuser.end();
  const dbUrl = cluster.url.replace(/\/postgres$/, '/fhir');
  const config = loadConfig({ DATABASE_URL: dbUrl, ADMIN_TOKEN: ADMIN, LOG_LEVEL: 'silent', MIGRATE_ON_START: 'true', DB_POOL_MAX: '12' });
  const deps = await bootstrap(config, pino({ level: 'silent' }));
  const server = await new Promise<{ port: number; close: () => void }>((resolve) => {
    const s = serve({ fetch: createApp(deps).fetch, port: 0, hostname: '127.0.0.1' }, (info) => resolve({ port: info.port, close: () => s.close() }));
  });
  const base = `http://127.0.0.1:${server.port}`;
  const loadSeconds = await load(base);

  for (const [name, materialized] of [['observation_codes', false], ['observation_codes_mat', true]] as const) {
    const t = performance.now();
    const res = await fetch(`${base}/admin/analytics/views/${name}`, {
      method: 'PUT', headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ viewResource: observationView, materialized }),
    });
    if (res.status !== 201) throw new Error(`view ${name}: ${res.status} ${await res.text()}`);
    if (materialized) console.log(`materialized view created and filled in ${Math.round(performance.now() - t)} ms`);
  }

  // The analyst login, as the operating docs create it.
  const owner = postgres(dbUrl, { max: 1, onnotice: () => {} });
  await owner.unsafe(`create role bench_analyst login password 'bench' in role fhir_analyst`);
  await owner.unsafe('analyze');
  const [counts] = await owner.unsafe(`select count(*)::int as resources, count(*) filter (where resource_type = 'Observation')::int as observations from resource`);
  await owner.end();
  const analyst = postgres(dbUrl.replace('postgres@', 'bench_analyst:bench@'), { max: 1, onnotice: () => {} });
  const timings: Record<string, { ms: number; runs: number[]; rows: number }> = {};
  for (const [name, text] of Object.entries(QUERIES)) timings[name] = await timeQuery(analyst, text);
  await analyst.end();
  server.close();
  await deps.db.close();

  const result = {
    benchmark: 'analytics',
    date: new Date().toISOString(),
    backend: 'PostgreSQL 15 (throwaway cluster, defaults)',
    tenants: TENANTS.length,
    bundlesPerTenant: bundles.length,
    resources: counts?.resources,
    observations: counts?.observations,
    loadSeconds: Math.round(loadSeconds * 10) / 10,
    role: 'fhir_analyst (login bench_analyst)',
    medianOf: RUNS,
    queries: Object.fromEntries(Object.entries(timings).map(([k, v]) => [k, { sql: QUERIES[k]!.replace(/\s+/g, ' '), ...v }])),
  };
  console.table(Object.entries(timings).map(([q, t]) => ({ query: q, 'median ms': t.ms, rows: t.rows })));
  console.log(JSON.stringify(result));
  writeFileSync(new URL('./results/analytics.json', import.meta.url), `${JSON.stringify(result, null, 2)}\n`);
} finally {
  cluster.stop();
}
