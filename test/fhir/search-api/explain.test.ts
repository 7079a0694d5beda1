import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run, sql } from '../../../src/db/sql.js';
import { withTenant } from '../../../src/db/doors.js';
import { tenantTables } from '../../../src/db/table-set.js';
import { parseSearch } from '../../../src/fhir/search/parse.js';
import { searchPageSql } from '../../../src/fhir/search/to-sql.js';
import { startTestServer, type TestServer } from '../../helpers/app.js';
import { POSTGRES, needs } from '../../helpers/requires.js';

/*
 * On a real server, with a large neighbour tenant, the main search shapes of a small tenant must
 * use the tenant-leading btree indexes, not scan the index tables: RLS must not push the planner
 * off them.
 */
let s: TestServer;
const ROWS = 100_000;

beforeAll(async () => {
  s = await startTestServer();
  await s.createTenants('big', 'small');
  const o = (text: string) => s.tdb.owner.query(text);
  await o(`insert into resource (tenant_id, resource_type, id, version_id, last_updated, resource)
           select 'big', t, 'r' || g, 1, now(), '{}'::jsonb from generate_series(1, ${ROWS}) g, unnest(array['Observation','Patient']) t`);
  await o(`insert into search_token (tenant_id, resource_type, id, code, system, value)
           select 'big', 'Observation', 'r' || g, 'code', 'http://loinc.org', (g % 50)::text from generate_series(1, ${ROWS}) g`);
  await o(`insert into search_string (tenant_id, resource_type, id, code, value, exact)
           select 'big', 'Patient', 'r' || g, 'name', 'name' || g, 'Name' || g from generate_series(1, ${ROWS}) g`);
  await o(`insert into search_date (tenant_id, resource_type, id, code, low, high)
           select 'big', 'Observation', 'r' || g, 'date', now() - g * interval '1 hour', now() - g * interval '1 hour' from generate_series(1, ${ROWS}) g`);
  await o(`insert into search_reference (tenant_id, resource_type, id, code, target_type, target_id)
           select 'big', 'Observation', 'r' || g, c, 'Patient', 'r' || (g % 1000) from generate_series(1, ${ROWS}) g, unnest(array['subject','patient']) c`);
  await o(`insert into search_quantity (tenant_id, resource_type, id, code, value, low, high, system, unit)
           select 'big', 'Observation', 'r' || g, 'value-quantity', g, g, g, 'http://unitsofmeasure.org', 'mg' from generate_series(1, ${ROWS}) g`);
  for (let i = 0; i < 5; i++) {
    await s.fhir('small', '/Patient', { json: { resourceType: 'Patient', name: [{ family: `Small${i}` }] } });
  }
  await o('analyze');
}, 300_000);
afterAll(() => s.close());

interface PlanNode { 'Node Type': string; 'Relation Name'?: string; 'Index Name'?: string; Plans?: PlanNode[] }
const nodes = (n: PlanNode): PlanNode[] => [n, ...(n.Plans ?? []).flatMap(nodes)];

describe.runIf(POSTGRES.met)(needs(POSTGRES, 'search plans on PostgreSQL'), () => {
  it.each([
    ['Observation', 'code=http://loinc.org|7'],
    ['Patient', 'name=name12'],
    ['Observation', 'date=ge2020-01-01&date=lt2020-02-01'],
    ['Observation', 'subject=Patient/r7'],
    ['Observation', 'value-quantity=gt99990'],
    ['Observation', 'subject:Patient.name=small'],
    ['Patient', '_has:Observation:patient:code=7'],
    ['Observation', 'patient=r7&code=7&_sort=-date'],
  ])('%s?%s uses tenant-leading indexes, no sequential scan', async (type, query) => {
    const tenant = 'small';
    const req = parseSearch([type], [...new URLSearchParams(query).entries()], { defaultCount: 20, maxCount: 100, base: 'http://x/fhir', strict: true });
    const plan = await withTenant(s.tdb.db, tenant, async (tx) => {
      const page = searchPageSql(req, { own: tenantTables(tenant), shareable: () => false });
      const [row] = await run<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(tx, sql`explain (format json) ${page}`);
      return row!['QUERY PLAN'][0].Plan;
    });
    const all = nodes(plan);
    if (process.env.SHOW_PLANS) console.log(tenant, query, JSON.stringify(all.map((n) => [n['Node Type'], n['Relation Name'], n['Index Name']])));
    const seq = all.filter((n) => n['Node Type'] === 'Seq Scan').map((n) => n['Relation Name']);
    expect(seq, JSON.stringify(all.map((n) => [n['Node Type'], n['Relation Name'], n['Index Name']]))).toEqual([]);
    expect(all.some((n) => n['Index Name'] !== undefined)).toBe(true);
  });
});
