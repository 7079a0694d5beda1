import { randomBytes } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import postgres from 'postgres';

/**
 * A throwaway database holding one `resource` table (the production shape) for the SQL on FHIR
 * runs: a fresh in-memory PGlite (PostgreSQL 17), or with TEST_DATABASE_URL (CI's PostgreSQL 15)
 * a schema of its own on that server, dropped on close.
 */
export interface SofDatabase {
  kind: 'pglite' | 'postgres';
  /** What compileViewDefinition should read (`options.from`). */
  from: string;
  query(text: string, params?: unknown[]): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

const TABLE = (name: string) => `create table ${name} (
  tenant_id text not null, resource_type text not null, id text not null, version_id int not null,
  last_updated timestamptz not null, deleted boolean not null default false, resource jsonb,
  primary key (tenant_id, resource_type, id))`;

export async function openSofDatabase(): Promise<SofDatabase> {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) {
    const pg = new PGlite();
    await pg.exec(TABLE('resource'));
    return {
      kind: 'pglite',
      from: 'resource',
      query: async (text, params) => (await pg.query<Record<string, unknown>>(text, params)).rows,
      close: () => pg.close(),
    };
  }
  const schema = `sof_${randomBytes(6).toString('hex')}`;
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  await sql.unsafe(`create schema ${schema}`);
  await sql.unsafe(TABLE(`${schema}.resource`));
  return {
    kind: 'postgres',
    from: `${schema}.resource`,
    query: async (text, params = []) => [...(await sql.unsafe(text, params as never[]))] as Record<string, unknown>[],
    close: async () => {
      await sql.unsafe(`drop schema if exists ${schema} cascade`);
      await sql.end();
    },
  };
}

/**
 * Loads the `resources` of a test file as tenant `tenant`. The file text goes to PostgreSQL as is,
 * so numbers keep their written scale (1.0 stays 1.0, which lowBoundary() depends on; a JSON.parse
 * round trip in Node would make it 1). Every resource type also gets a deleted copy, which a
 * correct view must never return.
 */
export async function loadResources(db: SofDatabase, fileText: string, tenant: string): Promise<void> {
  await db.query(
    `insert into ${db.from} (tenant_id, resource_type, id, version_id, last_updated, resource)
     select $1, t.r ->> 'resourceType', coalesce(t.r ->> 'id', 'no-id-' || t.ord), 1, now(), t.r
     from jsonb_array_elements(($2::text)::jsonb -> 'resources') with ordinality as t(r, ord)`,
    [tenant, fileText],
  );
  await db.query(
    `insert into ${db.from} (tenant_id, resource_type, id, version_id, last_updated, deleted, resource)
     select distinct on (resource_type) tenant_id, resource_type, 'deleted-' || resource_type, 2, now(), true, resource
     from ${db.from} order by resource_type, id`,
  );
}
