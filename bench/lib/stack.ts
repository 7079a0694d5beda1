import postgres from 'postgres';
import type { Cluster } from './pg-cluster.js';
import { spawnTsx } from './process.js';

/**
 * A FHIR database on the throwaway cluster, set up as README "Running on PostgreSQL" says:
 * migrations as the superuser, and an unprivileged login `fhir_api`, member of fhir_app and
 * fhir_admin, for the API. pg_stat_statements is created for the diagnosis.
 */
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
  const child = spawnTsx('src/db/migrate-cli.ts', { MIGRATION_DATABASE_URL: superUrl, DATABASE_URL: superUrl, LOG_LEVEL: 'warn' });
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  if (code !== 0) throw new Error(`migrations failed on ${name} (exit ${code})`);
  const sql = postgres(superUrl, { max: 1, onnotice: () => {} });
  try {
    await sql.unsafe(`do $$ begin
      if not exists (select from pg_roles where rolname = 'fhir_api') then create role fhir_api login; end if;
    end $$`);
    await sql.unsafe('grant fhir_app, fhir_admin to fhir_api');
    await sql.unsafe('create extension if not exists pg_stat_statements');
  } finally {
    await sql.end();
  }
  return { name, superUrl, apiUrl: `postgres://fhir_api@127.0.0.1:${cluster.port}/${name}` };
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

/**
 * Bench-only RLS switch (never reachable from the server): NO FORCE + DISABLE on every table of
 * the schema that has RLS, or ENABLE + FORCE again. Runs between measurements, as superuser.
 */
export async function setRowLevelSecurity(db: FhirDatabase, on: boolean): Promise<string[]> {
  return asSuperuser(db, async (sql) => {
    const tables = await sql<{ relname: string }[]>`select c.relname from pg_policy p join pg_class c on c.oid = p.polrelid
      join pg_namespace n on n.oid = c.relnamespace where n.nspname = 'public' group by c.relname order by 1`;
    for (const { relname } of tables) {
      const t = `public."${relname}"`;
      await sql.unsafe(on
        ? `alter table ${t} enable row level security; alter table ${t} force row level security`
        : `alter table ${t} no force row level security; alter table ${t} disable row level security`);
    }
    const [state] = await sql<{ n: number }[]>`select count(*)::int as n from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = 'public' and c.relname = any(${tables.map((t) => t.relname)}) and c.relrowsecurity = ${on} and c.relforcerowsecurity = ${on}`;
    if (state!.n !== tables.length) throw new Error(`RLS switch to ${on ? 'on' : 'off'} did not take on every table`);
    return tables.map((t) => t.relname);
  });
}
