import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../helpers/app.js';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
  await s.createTenants('ri-a', 'ri-b');
  for (const t of ['ri-a', 'ri-b']) {
    await s.fhir(t, '/Patient/p1', { method: 'PUT', json: { resourceType: 'Patient', id: 'p1', gender: 'female', name: [{ family: 'Index' }] } });
    await s.fhir(t, '/Patient/p2', { method: 'PUT', json: { resourceType: 'Patient', id: 'p2', gender: 'male' } });
    await s.fhir(t, '/Patient/p2', { method: 'DELETE' });
  }
});
afterAll(() => s.close());

const count = async (tenant: string, q: string) => (await (await s.fhir(tenant, `${q}&_summary=count`)).json()).total;

describe('reindex', () => {
  it('keeps index rows in step with writes: deleted resources leave no rows', async () => {
    const rows = await s.tdb.owner.query<{ n: number }>("select count(*)::int as n from search_token where tenant_id = 'ri-a' and id = 'p2'");
    expect(rows[0]!.n).toBe(0);
  });

  it('rebuilds one tenant\'s index rows from its stored resources, and only that tenant\'s', async () => {
    await s.tdb.owner.query("delete from search_token where tenant_id in ('ri-a', 'ri-b')");
    await s.tdb.owner.query("delete from search_string where tenant_id in ('ri-a', 'ri-b')");
    expect(await count('ri-a', '/Patient?gender=female')).toBe(0);
    const res = await s.admin('/tenants/ri-a/$reindex', { method: 'POST' });
    expect(res.status).toBe(200);
    expect((await res.json()).reindexed).toBe(2);
    expect(await count('ri-a', '/Patient?gender=female')).toBe(1);
    expect(await count('ri-a', '/Patient?name=index')).toBe(1);
    expect(await count('ri-a', '/Patient?gender=male')).toBe(0);
    expect(await count('ri-b', '/Patient?gender=female')).toBe(0);
    expect((await s.admin('/tenants/nobody/$reindex', { method: 'POST' })).status).toBe(404);
    expect((await s.request('/admin/tenants/ri-a/$reindex', { method: 'POST' })).status).toBe(401);
  });
});
