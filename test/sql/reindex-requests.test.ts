import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withAdmin } from '../../src/db/doors.js';
import { drainReindexRequests } from '../../src/fhir/repository/reindex-queue.js';
import { startTestServer, type TestServer } from '../helpers/app.js';

/* fhir_admin.request_reindex (psql) is carried out by the server's drainReindexRequests. */

let s: TestServer;
const tokens = async () => Number((await s.tdb.owner.query<{ n: string }>(`select count(*) as n from search_token where tenant_id = 'r1'`))[0]?.n);

beforeAll(async () => {
  s = await startTestServer();
  await s.createTenants('r1', 'r2');
  expect((await s.fhir('r1', '/Patient', { json: { resourceType: 'Patient', gender: 'female' } })).status).toBe(201);
});
afterAll(() => s.close());

describe('reindex requests', () => {
  it('are recorded in SQL and rebuilt by the server, outcome written back', async () => {
    const before = await tokens();
    expect(before).toBeGreaterThan(0);
    await s.tdb.owner.query(`delete from search_token where tenant_id = 'r1'`);
    const [req] = await withAdmin(s.tdb.db, (tx) => tx.query<{ tenant_id: string; finished_at: unknown }>(`select * from fhir_admin.request_reindex('r1')`));
    expect(req).toMatchObject({ tenant_id: 'r1', finished_at: null });
    expect(await drainReindexRequests(s.tdb.db)).toBe(1);
    expect(await tokens()).toBe(before);
    const [done] = await withAdmin(s.tdb.db, (tx) => tx.query<{ resources: number; error: string | null }>(`select * from fhir_admin.list_reindex_requests()`));
    expect(done).toMatchObject({ resources: 1, error: null });
    expect(await drainReindexRequests(s.tdb.db)).toBe(0);
  });

  it('record the failure of a tenant that cannot be reindexed', async () => {
    await withAdmin(s.tdb.db, (tx) => tx.query(`select fhir_admin.suspend_tenant('r2'), fhir_admin.request_reindex('r2')`));
    expect(await drainReindexRequests(s.tdb.db)).toBe(1);
    const rows = await withAdmin(s.tdb.db, (tx) => tx.query<{ tenant_id: string; error: string | null }>(`select * from fhir_admin.list_reindex_requests()`));
    expect(rows.find((r) => r.tenant_id === 'r2')?.error).toMatch(/suspended/);
  });
});
