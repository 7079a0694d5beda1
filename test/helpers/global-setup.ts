import { writeFileSync, rmSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import postgres from 'postgres';
import type { TestProject } from 'vitest/node';
import { migrateEmbedded, migratePostgresUrl } from '../../src/db/migrate.js';
import { APP_LOGIN, TEMPLATE_DB, TEST_CONTEXT_KEY, withDatabase } from './server-url.js';

/*
 * With TEST_DATABASE_URL (a superuser on a throwaway server), migrate one template database
 * once; every test file then gets its own copy (CREATE DATABASE ... TEMPLATE), so files run in
 * parallel without racing on cluster-wide roles.
 */
export async function setup(project: TestProject): Promise<void | (() => Promise<void>)> {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) return pgliteTemplate(project);
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`drop database if exists ${TEMPLATE_DB} with (force)`);
    await admin.unsafe(`create database ${TEMPLATE_DB}`);
    await migratePostgresUrl(withDatabase(url, TEMPLATE_DB), TEST_CONTEXT_KEY);
    // The API's login, as the README makes it: a member of fhir_app only (the key does the rest).
    await admin.unsafe(`do $$ begin
      if not exists (select 1 from pg_roles where rolname = '${APP_LOGIN}') then
        create role ${APP_LOGIN} login password '${APP_LOGIN}';
      end if; end $$`);
    await admin.unsafe(`grant fhir_app to ${APP_LOGIN}`);
    await admin.unsafe(`revoke fhir_admin from ${APP_LOGIN}`);
  } finally {
    await admin.end();
  }
  return async () => {
    const sql = postgres(url, { max: 1, onnotice: () => {} });
    await sql.unsafe(`drop database if exists ${TEMPLATE_DB} with (force)`);
    await sql.end();
  };
}

/*
 * On PGlite, the same idea: one migrated in-memory cluster, dumped once; every test file's
 * database starts as a copy of it (test/helpers/db.ts), which skips initdb and the migrations
 * (measured: about 8 of the 9 s an in-memory start takes on this machine). Each file still runs
 * migrate(), which finds nothing to apply.
 */
async function pgliteTemplate(project: TestProject): Promise<() => Promise<void>> {
  const pg = new PGlite();
  await migrateEmbedded(pg, TEST_CONTEXT_KEY);
  const dump = await pg.dumpDataDir('none');
  await pg.close();
  const dir = mkdtempSync(join(tmpdir(), 'fhir-pglite-template-'));
  const file = join(dir, 'migrated.tar');
  writeFileSync(file, Buffer.from(await dump.arrayBuffer()));
  project.provide('pgliteTemplate', file);
  return async () => rmSync(dir, { recursive: true, force: true });
}

declare module 'vitest' {
  export interface ProvidedContext {
    pgliteTemplate: string;
  }
}
