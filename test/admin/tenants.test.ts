import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, startTestServer, type TestServer } from '../helpers/app.js';
import type { Row } from '../../src/db/database.js';
import { queryAs } from '../analytics/as-role.js';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(() => s.close());

describe('admin API', () => {
  it('refuses a missing or wrong token with 401', async () => {
    expect((await s.request('/admin/tenants')).status).toBe(401);
    const wrong = await s.request('/admin/tenants', { headers: { authorization: 'Bearer not-the-token-at-all' } });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toContain('Bearer');
    expect((await wrong.json()).resourceType).toBe('OperationOutcome');
    expect((await s.request('/admin/tenants', { headers: { authorization: `Basic ${ADMIN_TOKEN}` } })).status).toBe(401);
  });

  it('creates, lists, reads and updates tenants', async () => {
    const created = await s.admin('/tenants', { json: { id: 'clinic-1', name: 'Clinic One', config: { note: 'x' } } });
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toMatch(/\/admin\/tenants\/clinic-1$/);
    expect(await created.json()).toMatchObject({ id: 'clinic-1', name: 'Clinic One', status: 'active', config: { note: 'x' } });
    await s.admin('/tenants', { json: { id: 'clinic-2', name: 'Clinic Two' } });
    const list = await (await s.admin('/tenants')).json();
    expect(list.map((t: { id: string }) => t.id)).toEqual(expect.arrayContaining(['clinic-1', 'clinic-2']));
    expect((await (await s.admin('/tenants/clinic-2')).json()).name).toBe('Clinic Two');
    const patched = await s.admin('/tenants/clinic-2', { method: 'PATCH', json: { name: 'Renamed', status: 'suspended' } });
    expect(patched.status).toBe(200);
    expect(await patched.json()).toMatchObject({ name: 'Renamed', status: 'suspended' });
  });

  it.each([
    [{ id: 'Bad_Id', name: 'x' }, 400],
    [{ id: '-x', name: 'x' }, 400],
    [{ id: 'ok-id', name: '' }, 400],
    [{ id: 'ok-id', name: 'x', config: [] }, 400],
    [{ name: 'no id' }, 400],
  ])('refuses an invalid tenant %j', async (body, status) => {
    const res = await s.admin('/tenants', { json: body });
    expect(res.status).toBe(status);
    expect((await res.json()).resourceType).toBe('OperationOutcome');
  });

  it('answers 409 for a duplicate, 404 for unknown tenants, 400 for bad changes', async () => {
    await s.admin('/tenants', { json: { id: 'dup', name: 'x' } });
    expect((await s.admin('/tenants', { json: { id: 'dup', name: 'y' } })).status).toBe(409);
    expect((await s.admin('/tenants/nobody')).status).toBe(404);
    expect((await s.admin('/tenants/nobody', { method: 'PATCH', json: { name: 'x' } })).status).toBe(404);
    expect((await s.admin('/tenants/nobody', { method: 'DELETE' })).status).toBe(404);
    expect((await s.admin('/tenants/dup', { method: 'PATCH', json: { status: 'deleted' } })).status).toBe(400);
    expect((await s.admin('/tenants', { method: 'POST', body: 'not json', headers: { 'content-type': 'application/json' } })).status).toBe(400);
  });

  it('purges every row of the tenant in every tenant table, and nothing of another tenant', async () => {
    await s.admin('/tenants', { json: { id: 'doomed', name: 'Doomed' } });
    await s.admin('/tenants', { json: { id: 'keeper', name: 'Keeper' } });
    for (const tenant of ['doomed', 'keeper']) {
      const p = await (await s.fhir(tenant, '/Patient', { json: { resourceType: 'Patient' } })).json();
      await s.fhir(tenant, `/Patient/${p.id}`, { method: 'PUT', json: { ...p, active: true } });
      await s.fhir(tenant, `/Patient/${p.id}`, { method: 'DELETE' });
    }
    const res = await s.admin('/tenants/doomed', { method: 'DELETE' });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.rowsDeleted).toMatchObject({ resource: 1, resource_history: 3, tenant: 1 });

    const tables = await s.tdb.owner.query<{ relname: string }>(
      `select c.relname from pg_class c join pg_attribute a on a.attrelid = c.oid and a.attname = 'tenant_id'
        where c.relnamespace = 'public'::regnamespace and c.relkind = 'r'`,
    );
    for (const { relname } of tables) {
      const [doomed] = await s.tdb.owner.query<{ n: number }>(`select count(*)::int as n from ${relname} where tenant_id = 'doomed'`);
      expect(doomed!.n, relname).toBe(0);
    }
    const [kept] = await s.tdb.owner.query<{ n: number }>("select count(*)::int as n from resource_history where tenant_id = 'keeper'");
    expect(kept!.n).toBe(3);
    expect((await s.fhir('doomed', '/Patient')).status).toBe(404);
    expect((await s.admin('/tenants/doomed')).status).toBe(404);
  });
});

describe('the same operations as SQL functions for fhir_admin', () => {
  // An operator in psql: a login in fhir_admin, after `set role fhir_admin`.
  const asAdmin = <T extends Row = Row>(text: string) => queryAs<T>(s.tdb, 'fhir_admin', null, text);

  it('creates, suspends, resumes, lists and purges', async () => {
    expect(await asAdmin("select id, name, status from fhir_admin.create_tenant('sql-made', 'By psql')")).toEqual([{ id: 'sql-made', name: 'By psql', status: 'active' }]);
    expect((await (await s.admin('/tenants/sql-made')).json()).name).toBe('By psql');
    await asAdmin("select * from fhir_admin.suspend_tenant('sql-made')");
    expect((await s.fhir('sql-made', '/Patient')).status).toBe(403);
    await asAdmin("select * from fhir_admin.resume_tenant('sql-made')");
    expect((await s.fhir('sql-made', '/Patient')).status).toBe(200);
    expect((await s.fhir('sql-made', '/Patient', { json: { resourceType: 'Patient' } })).status).toBe(201);
    // The same tenants the HTTP API lists, suspended or not.
    const listed = (await asAdmin<{ id: string }>('select id from fhir_admin.list_tenants()')).map((r) => r.id);
    const overHttp = ((await (await s.admin('/tenants')).json()) as { id: string }[]).map((t) => t.id);
    expect(listed).toContain('sql-made');
    expect([...listed].sort()).toEqual([...overHttp].sort());
    // One row per table: what it deleted (bigint, a string from postgres.js).
    const purged = await asAdmin<{ table_name: string; rows_deleted: string | number }>("select * from fhir_admin.purge_tenant('sql-made')");
    expect(Object.fromEntries(purged.map((r) => [r.table_name, Number(r.rows_deleted)]))).toMatchObject({ resource: 1, resource_history: 1, tenant: 1 });
    expect((await s.admin('/tenants/sql-made')).status).toBe(404);
  });

  it('records every change made in SQL in the audit log, naming the operator', async () => {
    await asAdmin("select * from fhir_admin.create_tenant('sql-audited', 'Audited')");
    await asAdmin("select * from fhir_admin.suspend_tenant('sql-audited')");
    await asAdmin("select * from fhir_admin.resume_tenant('sql-audited')");
    await asAdmin(`select * from fhir_admin.update_tenant('sql-audited', p_config => '{"maxCount": 5}')`);
    await asAdmin("select * from fhir_admin.request_reindex('sql-audited')");
    await asAdmin(`select fhir_admin.grant_access_policy('sql-pol', 'c1', 'sql-audited', '{"rules":[]}')`);
    await asAdmin("select fhir_admin.revoke_access_policy('sql-pol')");
    await asAdmin("select * from fhir_admin.purge_tenant('sql-audited')");
    const audit: { action: string; client: string; tenant: string | null }[] = await (await s.admin('/audit?tenant=sql-audited')).json();
    const revoked: { action: string }[] = await (await s.admin('/audit')).json();
    expect(audit.map((e) => e.action).reverse()).toEqual([
      'create tenant', 'suspend tenant', 'resume tenant', 'update tenant {"config": {"maxCount": 5}}', 'request reindex', 'grant access policy sql-pol', 'purge tenant',
    ]);
    expect(revoked.map((e) => e.action)).toContain('revoke access policy sql-pol');
    // The operator's login (postgres on both test backends), not the API.
    expect(new Set(audit.map((e) => e.client))).toEqual(new Set(['postgres']));
    // Over HTTP the same functions record the API's client.
    await s.admin('/tenants', { json: { id: 'http-audited', name: 'H' } });
    const [made] = await (await s.admin('/audit?tenant=http-audited')).json();
    expect(made).toMatchObject({ action: 'create tenant', client: 'admin-token', outcome: 'done' });
  });

  it('refuses bad input with the constraint, not silently', async () => {
    await expect(asAdmin("select * from fhir_admin.create_tenant('NOT valid', 'x')")).rejects.toThrow(/tenant_id_format/);
    await expect(asAdmin("select * from fhir_admin.update_tenant('dup', p_status => 'gone')")).rejects.toThrow(/tenant_status_values/);
  });

  it('gives fhir_app no access to them', async () => {
    await expect(s.tdb.db.transaction(async (tx) => {
      await tx.query("select set_config('role', 'fhir_app', true)");
      return tx.query("select * from fhir_admin.list_tenants()");
    })).rejects.toThrow(/permission denied/);
  });
});
