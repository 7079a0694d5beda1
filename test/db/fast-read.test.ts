import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.js';
import { openPostgres } from '../../src/db/postgres.js';
import { withAdmin, withTenant } from '../../src/db/doors.js';
import { createTenant } from '../../src/admin/tenants.js';
import { startTestDatabase, type TestDatabase } from '../helpers/db.js';
import { TEST_CONTEXT_KEY } from '../helpers/server-url.js';

/*
 * The one-statement read (fhir_private.read_resource): its role and tenant are transaction-local
 * to the statement's implicit transaction, so the next statement on the same connection (pool,
 * PgBouncer) carries neither. One connection makes "the same connection" certain.
 */
let t: TestDatabase;
let one: Database;

beforeAll(async () => {
  t = await startTestDatabase();
  one = t.appUrl ? openPostgres(t.appUrl, { max: 1, prepare: !process.env.TEST_PGBOUNCER_PORT, contextKey: TEST_CONTEXT_KEY }) : t.db;
  await withAdmin(one, async (tx) => {
    await createTenant(tx, 'fr-a', 'A', {});
    await createTenant(tx, 'fr-b', 'B', {});
  });
  for (const tenant of ['fr-a', 'fr-b']) {
    await withTenant(one, tenant, (tx) => tx.query(
      "insert into resource (tenant_id, resource_type, id, version_id, last_updated, resource) values ($1, 'Patient', 'p1', 1, now(), $2::text::jsonb)",
      [tenant, JSON.stringify({ resourceType: 'Patient', id: 'p1', name: [{ family: tenant }] })],
    ));
  }
});
afterAll(async () => {
  if (one !== t.db) await one.close();
  await t.close();
});

const READ = 'select * from fhir_private.read_resource($1, $2, $3, $4, $5, $6, $7)';
const KEY = TEST_CONTEXT_KEY;

describe('fhir_private.read_resource', () => {
  it('reads only the named tenant\'s row, and leaves no role or tenant behind', async () => {
    for (let i = 0; i < 20; i++) {
      const tenant = i % 2 ? 'fr-a' : 'fr-b';
      const [row] = await one.statement<{ body: string; tenant_status: string }>(READ, [KEY, tenant, 'Patient', 'p1', null, false, '0']);
      expect(JSON.parse(row!.body).name[0].family).toBe(tenant);
      const [after] = await one.statement<{ tenant: string | null; role: string }>("select current_setting('app.tenant_id', true) as tenant, current_user as role", []);
      expect(after!.tenant ?? '').toBe('');
      expect(after!.role).not.toBe('fhir_app');
      if (t.kind === 'postgres') {
        // Outside a tenant the API login sees nothing (or may not read the table at all). On
        // PGlite the one connection is a superuser, for which RLS never applies.
        const leaked = await one.statement('select 1 from resource', []).catch((e: Error) => e);
        expect(leaked instanceof Error || (leaked as unknown[]).length === 0).toBe(true);
      }
    }
  });

  it('answers no row for an unknown tenant, and cannot be steered into another tenant', async () => {
    expect(await one.statement(READ, [KEY, 'nobody', 'Patient', 'p1', null, false, '0'])).toEqual([]);
    const [row] = await one.statement<{ body: string | null }>(READ, [KEY, "fr-a' or '1'='1", 'Patient', 'p1', null, false, '0']);
    expect(row).toBeUndefined();
  });

  it('enters no tenant without the key', async () => {
    await expect(one.statement(READ, ['not-the-key-0123456789abcdef0123456789', 'fr-a', 'Patient', 'p1', null, false, '0'])).rejects.toThrow(/context key/);
    await expect(one.statement(READ, [null, 'fr-a', 'Patient', 'p1', null, false, '0'])).rejects.toThrow(/context key/);
  });
});
