import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/app.js';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
  await s.admin('/tenants', { json: { id: 'narrow', name: 'Narrow', config: { resourceTypes: ['Patient', 'Observation'], maxCount: 2 } } });
  await s.admin('/tenants', { json: { id: 'limited', name: 'Limited', config: { rateLimit: { requestsPerSecond: 0.01, burst: 3 } } } });
  await s.admin('/tenants', { json: { id: 'exported', name: 'Exported' } });
  await s.createTenants('neighbour');
});
afterAll(() => s.close());

describe('tenant configuration', () => {
  it('serves only the enabled types, and says so in its CapabilityStatement', async () => {
    expect((await s.fhir('narrow', '/Patient', { json: { resourceType: 'Patient' } })).status).toBe(201);
    expect((await s.fhir('narrow', '/Encounter', { json: { resourceType: 'Encounter', status: 'planned', class: { code: 'AMB' } } })).status).toBe(404);
    expect((await s.fhir('narrow', '/Encounter')).status).toBe(404);
    const cs = await (await s.fhir('narrow', '/metadata')).json();
    expect(cs.rest[0].resource.map((r: { type: string }) => r.type).sort()).toEqual(['Observation', 'Patient']);
    const bundle = await s.fhir('narrow', '', { json: { resourceType: 'Bundle', type: 'transaction', entry: [{ resource: { resourceType: 'Encounter', status: 'planned', class: { code: 'AMB' } }, request: { method: 'POST', url: 'Encounter' } }] } });
    expect(bundle.status).toBe(404);
  });

  it('caps _count at the tenant\'s maxCount', async () => {
    for (let i = 0; i < 3; i++) await s.fhir('narrow', '/Patient', { json: { resourceType: 'Patient' } });
    const b = await (await s.fhir('narrow', '/Patient?_count=50')).json();
    expect(b.entry).toHaveLength(2);
    expect(b.link.some((l: { relation: string }) => l.relation === 'next')).toBe(true);
  });

  it('rate-limits a tenant with a token bucket: 429 with Retry-After, other tenants unaffected', async () => {
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 5; i++) {
      const res = await s.fhir('limited', '/Patient');
      statuses.push(res.status);
      if (res.status === 429) retryAfter = res.headers.get('retry-after');
    }
    expect(statuses.slice(0, 3)).toEqual([200, 200, 200]);
    expect(statuses.slice(3)).toEqual([429, 429]);
    // One token per 100 s: however slow the machine, none comes back during the test.
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    expect((await s.fhir('neighbour', '/Patient')).status).toBe(200);
  });

  it('exports exactly the tenant\'s current resources as NDJSON', async () => {
    const mine: string[] = [];
    for (let i = 0; i < 3; i++) mine.push((await (await s.fhir('exported', '/Patient', { json: { resourceType: 'Patient', gender: 'female' } })).json()).id);
    await s.fhir('exported', `/Patient/${mine[2]}`, { method: 'DELETE' });
    await s.fhir('neighbour', '/Patient', { json: { resourceType: 'Patient' } });
    await s.admin('/tenants/exported', { method: 'PATCH', json: { status: 'suspended' } });
    const res = await s.admin('/tenants/exported/$export');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/fhir+ndjson');
    const lines = (await res.text()).trim().split('\n').map((l) => JSON.parse(l) as { id: string });
    expect(lines.map((r) => r.id).sort()).toEqual(mine.slice(0, 2).sort());
    expect((await s.admin('/tenants/nobody/$export')).status).toBe(404);
  });

  it('records admin actions in the audit log', async () => {
    const log = await (await s.admin('/audit?tenant=exported')).json();
    const actions = log.map((e: { action: string }) => e.action);
    // A status-only change is recorded as what it is (sql/0014: the SQL functions audit themselves).
    expect(actions).toEqual(expect.arrayContaining(['export', 'create tenant', 'suspend tenant']));
    expect((await s.admin('/audit?limit=0')).status).toBe(400);
  });

  it('purges, audited, and leaves the audit record', async () => {
    await s.admin('/tenants/exported', { method: 'DELETE' });
    const [n] = await s.tdb.owner.query<{ n: number }>("select count(*)::int as n from resource_history where tenant_id = 'exported'");
    expect(n!.n).toBe(0);
    const log = await (await s.admin('/audit?tenant=exported')).json();
    expect(log.map((e: { action: string }) => e.action)).toContain('purge tenant');
  });
});
