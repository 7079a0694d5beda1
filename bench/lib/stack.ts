import postgres from 'postgres';
import type { Cluster } from './pg-cluster.js';
import { spawnTsx } from './process.js';

/**
 * A FHIR database on the throwaway cluster, set up as README "Running on PostgreSQL" says:
 * migrations as the superuser (registering the tenant-context key), and an unprivileged login
 * `fhir_api`, member of fhir_app only, for the API. pg_stat_statements is created for the diagnosis.
 */

/** The tenant-context key of the bench databases (TENANT_CONTEXT_KEY of the servers it starts). */
export const BENCH_CONTEXT_KEY = 'bench-context-key-0123456789abcdef0123456789abcdef';

export interface FhirDatabase {
  name: string;
  /** Superuser: migrations, RLS switch, ANALYZE, pg_stat_statements. */
  superUrl: string;
  /** The API login. */
  apiUrl: string;
}

export async function createFhirDatabase(cluster: Cluster, name: string): Promise<FhirDatabase> {
  const admin = postgres(cluster.url, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const superUrl = cluster.urlFor(name);
  const child = spawnTsx('src/db/migrate-cli.ts', { MIGRATION_DATABASE_URL: superUrl, DATABASE_URL: superUrl, TENANT_CONTEXT_KEY: BENCH_CONTEXT_KEY, LOG_LEVEL: 'warn' });
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  if (code !== 0) throw new Error(`migrations failed on ${name} (exit ${code})`);
  const sql = postgres(superUrl, { max: 1, onnotice: () => {} });
  try {
    await sql.unsafe(`do $$ begin
      if not exists (select from pg_roles where rolname = 'fhir_api') then create role fhir_api login; end if;
    end $$`);
    await sql.unsafe('grant fhir_app to fhir_api');
    await sql.unsafe('create extension if not exists pg_stat_statements');
  } finally {
    await sql.end();
  }
  // BENCH_PG_SOCKET=1: the API login connects over the cluster's Unix-domain socket (libpq's
  // `?host=<dir>` form), as a server next to its database may; TCP on 127.0.0.1 otherwise.
  const apiUrl = process.env.BENCH_PG_SOCKET === '1'
    ? `postgres://fhir_api@/${name}?host=${encodeURIComponent(cluster.dir)}&port=${cluster.port}`
    : `postgres://fhir_api@127.0.0.1:${cluster.port}/${name}`;
  return { name, superUrl, apiUrl };
}

/** Runs SQL as the superuser on one database. */
export async function asSuperuser<T>(db: FhirDatabase, fn: (sql: postgres.Sql) => Promise<T>): Promise<T> {
  const sql = postgres(db.superUrl, { max: 1, onnotice: () => {} });
  try {
    return await fn(sql);
  } finally {
    await sql.end();
  }
}

interface RlsState {
  table: string;
  enabled: boolean;
  forced: boolean;
}

/** Per database: the RLS state of each table before the switch turned it off, to restore exactly. */
const beforeOff = new Map<string, RlsState[]>();

/**
 * Bench-only RLS switch (never reachable from the server), as the superuser between measurements.
 * Off: NO FORCE + DISABLE on every table, in any schema, that has row-level security enabled or
 * forced. The policies stay as they are and are merely not applied, so this holds whatever they
 * compare tenant_id with (current_setting(...), a keyed `(select fhir_private.tenant())`, ...).
 * On: each of those tables back to exactly its state before (enabled, forced), and checked.
 * Returns the tables switched.
 */
export async function setRowLevelSecurity(db: FhirDatabase, on: boolean): Promise<string[]> {
  return asSuperuser(db, async (sql) => {
    const current = () => sql<RlsState[]>`select format('%I.%I', n.nspname, c.relname) as "table",
        c.relrowsecurity as enabled, c.relforcerowsecurity as forced
      from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where c.relkind in ('r', 'p') and n.nspname not in ('pg_catalog', 'information_schema') order by 1`;
    // What the switch is for, checked whatever the policies say: as fhir_app with no tenant entered,
    // resource rows are hidden with RLS on (fail closed) and visible with it off (when there are any).
    const visibleWithoutTenant = async () => {
      const [r] = await sql.begin(async (tx) => {
        await tx.unsafe("select set_config('role', 'fhir_app', true)");
        return tx.unsafe<{ visible: boolean }[]>('select exists (select 1 from public.resource) as visible');
      });
      return r!.visible;
    };
    const [{ rows } = { rows: 0 }] = await sql<{ rows: number }[]>`select count(*)::int as rows from (select 1 from public.resource limit 1) x`;
    const states = await current();
    if (!on) {
      const secured = states.filter((s) => s.enabled || s.forced);
      if (!beforeOff.has(db.name)) beforeOff.set(db.name, secured);
      for (const { table } of secured) await sql.unsafe(`alter table ${table} no force row level security; alter table ${table} disable row level security`);
      const still = (await current()).filter((s) => s.enabled || s.forced);
      if (still.length > 0) throw new Error(`RLS switch to off did not take on ${still.map((s) => s.table).join(', ')}`);
      if (rows > 0 && !(await visibleWithoutTenant())) throw new Error('RLS switched off, yet fhir_app without a tenant still sees no resource');
      return beforeOff.get(db.name)!.map((s) => s.table);
    }
    const wanted = beforeOff.get(db.name);
    if (wanted === undefined) return []; // never switched off: nothing to restore
    for (const { table, enabled, forced } of wanted) {
      if (enabled) await sql.unsafe(`alter table ${table} enable row level security`);
      if (forced) await sql.unsafe(`alter table ${table} force row level security`);
    }
    const now = new Map((await current()).map((s) => [s.table, s]));
    const wrong = wanted.filter((w) => now.get(w.table)?.enabled !== w.enabled || now.get(w.table)?.forced !== w.forced);
    if (wrong.length > 0) throw new Error(`RLS switch to on did not restore ${wrong.map((s) => s.table).join(', ')}`);
    if (await visibleWithoutTenant()) throw new Error('RLS switched back on, yet fhir_app without a tenant sees resources');
    beforeOff.delete(db.name);
    return wanted.map((s) => s.table);
  });
}
