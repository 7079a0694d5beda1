import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/app.js';

/*
 * A tenant's $expand must not hold the event loop every tenant shares: each compose filter scans
 * up to its whole CodeSystem, and one include may list any number of filters (20,000 filters on
 * a 9,000-concept CodeSystem took 90 s before the scan was bounded).
 */
let s: TestServer;
beforeAll(async () => { s = await startTestServer(); await s.createTenants('tc-a'); });
afterAll(() => s.close());

const SYSTEM = 'http://example.org/cs/big';

const expand = (filters: number) => {
  const filter = Array.from({ length: filters }, () => ({ property: 'concept', op: 'is-not-a', value: 'c1' }));
  const vs = { resourceType: 'ValueSet', status: 'active', compose: { include: [{ system: SYSTEM, filter }] } };
  return s.fhir('tc-a', '/ValueSet/$expand', { json: { resourceType: 'Parameters', parameter: [{ name: 'valueSet', resource: vs }, { name: 'count', valueInteger: 1 }] } });
};

it('filters that would scan more than the bound are refused (too-costly); a few are fine', async () => {
  const concept = Array.from({ length: 2000 }, (_, i) => ({ code: `c${i}` }));
  const cs = await s.fhir('tc-a', '/CodeSystem/big', { method: 'PUT', json: { resourceType: 'CodeSystem', id: 'big', url: SYSTEM, status: 'active', content: 'complete', concept } });
  expect(cs.status, await cs.clone().text()).toBe(201);
  const few = await expand(3);
  expect(few.status, await few.clone().text()).toBe(200);
  expect((await few.json()).expansion.total).toBe(1999);
  const many = await expand(600);
  expect(many.status, (await many.clone().text()).slice(0, 300)).toBe(400);
  expect((await many.json()).issue[0].code).toBe('too-costly');
});
