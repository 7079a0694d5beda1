import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tx } from '../../src/db/database.js';
import { withAdmin } from '../../src/db/doors.js';
import { createTenant } from '../../src/admin/tenants.js';
import { startTestDatabase, type TestDatabase } from '../helpers/db.js';
import { POSTGRES, needs } from '../helpers/requires.js';

/*
 * Isolation at the database itself, below all application code: what fhir_app can do with a
 * tenant set (or none) in a transaction. Every tenant table is found from the catalog, so a
 * table added later is covered, and fails here if it lacks FORCE RLS or its policy.
 */
let t: TestDatabase;
let tenantTables: { name: string; columns: { name: string; type: string; nullable: boolean }[] }[] = [];

beforeAll(async () => {
  t = await startTestDatabase();
  await withAdmin(t.db, async (tx) => {
    await createTenant(tx, 'tenant-a', 'A', {});
    await createTenant(tx, 'tenant-b', 'B', {});
  });
  const tables = await t.owner.query<{ relname: string }>(
    `select c.relname from pg_class c join pg_attribute a on a.attrelid = c.oid and a.attname = 'tenant_id'
      where c.relnamespace = 'public'::regnamespace and c.relkind in ('r','p') order by 1`,
  );
  for (const { relname } of tables) {
    const columns = await t.owner.query<{ name: string; type: string; nullable: boolean }>(
      `select attname as name, format_type(atttypid, atttypmod) as type, not attnotnull as nullable
         from pg_attribute where attrelid = $1::regclass and attnum > 0 and not attisdropped order by attnum`,
      [relname],
    );
    tenantTables.push({ name: relname, columns });
  }
  // One row per tenant in every tenant table, written as each tenant through RLS.
  for (const tenant of ['tenant-a', 'tenant-b']) await asTenant(tenant, (tx) => insertRows(tx, tenant));
});
afterAll(() => t.close());

function sampleValue(type: string, tenant: string): unknown {
  if (type === 'text') return `${tenant}-value`;
  if (type.startsWith('integer') || type === 'bigint' || type === 'smallint') return 1;
  if (type === 'boolean') return false;
  if (type.startsWith('timestamp')) return '2020-01-01T00:00:00Z';
  if (type === 'jsonb') return JSON.stringify({ resourceType: 'Patient', owner: tenant });
  if (type.startsWith('numeric') || type === 'double precision') return 1.5;
  if (type === 'uuid') return '00000000-0000-4000-8000-000000000001';
  throw new Error(`no sample value for column type ${type}: extend this test`);
}

function insertRow(tx: Tx, table: (typeof tenantTables)[number], tenantId: string, as: string) {
  const cols = table.columns.map((c) => c.name);
  const values = table.columns.map((c) => (c.name === 'tenant_id' ? tenantId : sampleValue(c.type, as)));
  const casts = table.columns.map((c, i) => `$${i + 1}::text::${c.type}`);
  return tx.query(`insert into ${table.name} (${cols.join(', ')}) values (${casts.join(', ')})`, values);
}

async function insertRows(tx: Tx, tenant: string) {
  for (const table of tenantTables) await insertRow(tx, table, tenant, tenant);
}

/** A transaction as fhir_app in the tenant's context, entered with the key as the API does (null: none). */
function asTenant<T>(tenant: string | null, fn: (tx: Tx) => Promise<T>): Promise<T> {
  return t.db.transaction(async (tx) => {
    await tx.query("select set_config('role', 'fhir_app', true)");
    if (tenant !== null) await tx.query("select fhir_private.open_context($1, $2, 'tenant')", [t.db.contextKey, tenant]);
    return fn(tx);
  });
}

describe('the catalog', () => {
  it('finds the tenant tables', () => {
    expect(tenantTables.map((x) => x.name)).toEqual(expect.arrayContaining(['resource', 'resource_history']));
  });

  it('has ENABLE and FORCE row-level security and a tenant policy on every tenant table', async () => {
    const rows = await t.owner.query<{ relname: string; relrowsecurity: boolean; relforcerowsecurity: boolean; policies: string[] }>(
      `select c.relname, c.relrowsecurity, c.relforcerowsecurity,
              array(select polname::text from pg_policy p where p.polrelid = c.oid order by 1) as policies
         from pg_class c where c.relnamespace = 'public'::regnamespace and c.relname = any($1::text[])`,
      [[...tenantTables.map((x) => x.name), 'tenant']],
    );
    expect(rows).toHaveLength(tenantTables.length + 1);
    for (const r of rows) {
      expect(r, r.relname).toMatchObject({ relrowsecurity: true, relforcerowsecurity: true });
      expect(r.policies.length, r.relname).toBeGreaterThan(0);
    }
  });

  it('leads every primary key, unique constraint and index of a tenant table with tenant_id', async () => {
    const rows = await t.owner.query<{ indexrelid: string; first: string }>(
      `select i.indexrelid::regclass::text as indexrelid, a.attname as first
         from pg_index i join pg_attribute a on a.attrelid = i.indrelid and a.attnum = i.indkey[0]
        where i.indrelid = any(select unnest($1::text[])::regclass)`,
      [tenantTables.map((x) => x.name)],
    );
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) expect(r.first, r.indexrelid).toBe('tenant_id');
  });

  it('makes fhir_app neither owner nor superuser nor BYPASSRLS, and owns the tables by fhir_owner', async () => {
    const [app] = await t.owner.query<{ rolsuper: boolean; rolbypassrls: boolean }>(
      "select rolsuper, rolbypassrls from pg_roles where rolname = 'fhir_app'",
    );
    expect(app).toEqual({ rolsuper: false, rolbypassrls: false });
    const owners = await t.owner.query<{ relname: string; owner: string }>(
      `select relname, pg_get_userbyid(relowner) as owner from pg_class
        where relnamespace = 'public'::regnamespace and relkind in ('r','p')`,
    );
    for (const o of owners) expect(o.owner, o.relname).toBe('fhir_owner');
    for (const role of ['fhir_analyst', 'fhir_admin', 'fhir_owner']) {
      const [r] = await t.owner.query<{ rolbypassrls: boolean; rolsuper: boolean }>(
        'select rolbypassrls, rolsuper from pg_roles where rolname = $1', [role],
      );
      expect(r, role).toEqual({ rolbypassrls: false, rolsuper: false });
    }
  });

  it.runIf(POSTGRES.met)(needs(POSTGRES, 'runs the API login with no role but fhir_app'), async () => {
    const rows = await t.owner.query<{ rolname: string; rolsuper: boolean; rolbypassrls: boolean; member_of: string[] }>(
      `select r.rolname, r.rolsuper, r.rolbypassrls,
              array(select b.rolname::text from pg_auth_members m join pg_roles b on b.oid = m.roleid
                     where m.member = r.oid order by 1) as member_of
         from pg_roles r where r.rolname = current_user or r.rolname = 'fhir_api_test'`,
    );
    const login = rows.find((r) => r.rolname === 'fhir_api_test')!;
    expect(login).toEqual({ rolname: 'fhir_api_test', rolsuper: false, rolbypassrls: false, member_of: ['fhir_app'] });
  });
});


describe('fhir_app in a transaction', () => {
  it('sees only the rows of its tenant in every tenant table', async () => {
    for (const table of tenantTables) {
      const rows = await asTenant('tenant-a', (tx) => tx.query<{ tenant_id: string }>(`select tenant_id from ${table.name}`));
      expect(rows.length, table.name).toBeGreaterThan(0);
      expect(new Set(rows.map((r) => r.tenant_id)), table.name).toEqual(new Set(['tenant-a']));
      const explicit = await asTenant('tenant-a', (tx) => tx.query(`select 1 from ${table.name} where tenant_id = 'tenant-b'`));
      expect(explicit, table.name).toHaveLength(0);
    }
  });

  it('sees zero rows with the tenant unset, or set to an empty or unknown tenant', async () => {
    for (const table of tenantTables) {
      for (const tenant of [null, '', 'nobody']) {
        const rows = await asTenant(tenant, (tx) => tx.query(`select 1 from ${table.name}`));
        expect(rows, `${table.name} as ${String(tenant)}`).toHaveLength(0);
      }
    }
    const registry = await asTenant(null, (tx) => tx.query('select id from tenant'));
    expect(registry).toHaveLength(0);
  });

  it('sees only its own row of the tenant registry and cannot change it', async () => {
    const rows = await asTenant('tenant-a', (tx) => tx.query<{ id: string }>('select id from tenant'));
    expect(rows.map((r) => r.id)).toEqual(['tenant-a']);
    await expect(asTenant('tenant-a', (tx) => tx.query("update tenant set status = 'active'"))).rejects.toThrow(/permission denied/);
  });

  it('cannot insert a row for another tenant (RLS with check)', async () => {
    for (const table of tenantTables) {
      await expect(asTenant('tenant-a', (tx) => insertRow(tx, table, 'tenant-b', 'intruder')), table.name)
        .rejects.toThrow(/row-level security/);
    }
  });

  it('cannot move its own rows to another tenant', async () => {
    for (const table of tenantTables) {
      await expect(asTenant('tenant-a', (tx) => tx.query(`update ${table.name} set tenant_id = 'tenant-b'`)), table.name)
        .rejects.toThrow(/row-level security/);
    }
  });

  it('updates and deletes nothing of another tenant', async () => {
    for (const table of tenantTables) {
      const updated = await asTenant('tenant-a', (tx) => tx.query(`update ${table.name} set tenant_id = tenant_id where tenant_id = 'tenant-b' returning 1`));
      expect(updated, table.name).toHaveLength(0);
      const deleted = await asTenant('tenant-a', (tx) => tx.query(`delete from ${table.name} where tenant_id = 'tenant-b' returning 1`));
      expect(deleted, table.name).toHaveLength(0);
    }
    const left = await t.owner.query<{ n: number }>("select count(*)::int as n from resource where tenant_id = 'tenant-b'");
    expect(left[0]!.n).toBe(1);
  });

  // On PGlite the one connection is a superuser, so SET ROLE back is possible there: the embedded
  // database has no other clients, and RLS guards against query bugs, not arbitrary SQL.
  it.runIf(POSTGRES.met)(needs(POSTGRES, 'cannot take another role through the API login'), async () => {
    await expect(asTenant('tenant-a', (tx) => tx.query("select set_config('role', 'fhir_owner', true)"))).rejects.toThrow(/permission denied/);
    await expect(asTenant('tenant-a', (tx) => tx.query("select set_config('role', 'postgres', true)"))).rejects.toThrow(/permission denied/);
  });

  it('cannot switch RLS off, write the shared set, or call the admin functions', async () => {
    await expect(asTenant('tenant-a', (tx) => tx.query('alter table resource no force row level security'))).rejects.toThrow(/must be owner/);
    await expect(asTenant('tenant-a', (tx) => tx.query(
      "insert into shared_resource values ('Organization', 'x', 1, now(), false, '{}')",
    ))).rejects.toThrow(/row-level security/);
    await expect(asTenant('tenant-a', (tx) => tx.query("select * from fhir_admin.purge_tenant('tenant-b')"))).rejects.toThrow(/permission denied/);
  });

  it('does not carry the tenant or role past the transaction', async () => {
    await t.db.transaction(async (tx) => {
      await tx.query("select set_config('role', 'fhir_app', true), fhir_private.open_context($1, 'tenant-a', 'tenant')", [t.db.contextKey]);
    });
    // Same pool, next transaction: neither setting survives.
    const [row] = await t.db.transaction((tx) =>
      tx.query<{ tenant: string | null; ticket: string | null; role: string }>(
        "select current_setting('app.tenant_id', true) as tenant, current_setting('app.ticket', true) as ticket, current_user as role"),
    );
    expect(row!.tenant ?? '').toBe('');
    expect(row!.ticket ?? '').toBe('');
    expect(row!.role).not.toBe('fhir_app');
  });
});
