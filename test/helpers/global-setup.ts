import postgres from 'postgres';
import { migratePostgresUrl } from '../../src/db/migrate.js';
import { APP_LOGIN, TEMPLATE_DB, TEST_CONTEXT_KEY, withDatabase } from './server-url.js';

/*
 * With TEST_DATABASE_URL (a superuser on a throwaway server), migrate one template database
 * once; every test file then gets its own copy (CREATE DATABASE ... TEMPLATE), so files run in
 * parallel without racing on cluster-wide roles.
 */
export async function setup(): Promise<void | (() => Promise<void>)> {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) return;
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
