import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/app.js';

/*
 * Attacks on a tenant's own SearchParameters: an expression is evaluated on every write of its
 * base in the tenant, on the event loop all tenants share, so one that grows its result per step
 * (string doubling, a cross product through %resource) must be refused when it is written.
 */
let s: TestServer;
beforeAll(async () => { s = await startTestServer(); await s.createTenants('at-a', 'at-b'); });
afterAll(() => s.close());

const sp = (id: string, expression: string, type = 'string') => ({
  resourceType: 'SearchParameter', id, url: `http://example.org/sp/${id}`, name: id, status: 'active', description: 'x', code: id, base: ['Patient'], type, expression,
});

describe('a SearchParameter whose evaluation grows per step', () => {
  it('string doubling through select($this + $this) is refused (too-costly), and a big write stays fine', async () => {
    for (const [id, op] of [['dbl', '+'], ['amp', '&']] as const) {
      const d = `.select($this ${op} $this)`.repeat(10);
      const r = await s.fhir('at-a', `/SearchParameter/${id}`, { method: 'PUT', json: sp(id, `Patient.name.family${d}`) });
      expect(r.status, await r.clone().text()).toBe(400);
      expect((await r.json()).issue[0].code).toBe('too-costly');
    }
    const w = await s.fhir('at-a', '/Patient', { json: { resourceType: 'Patient', name: [{ family: 'x'.repeat(20000) }] } });
    expect(w.status, await w.clone().text()).toBe(201);
  });

  it('a cross product through %resource is refused', async () => {
    const r = await s.fhir('at-a', '/SearchParameter/res', { method: 'PUT', json: sp('res', 'Patient.name.select(%resource.name).select(%resource.name).family') });
    expect(r.status, await r.clone().text()).toBe(400);
    expect((await r.json()).issue[0].code).toBe('too-costly');
  });
});
