import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withTenant } from '../../src/db/doors.js';
import type { Tx } from '../../src/db/database.js';
import { Repository } from '../../src/fhir/repository/repository.js';
import { parseSearch } from '../../src/fhir/search/parse.js';
import { startTestServer, type TestServer } from '../helpers/app.js';
import { POSTGRES, needs } from '../helpers/requires.js';

/*
 * A tenant that grew after the last ANALYZE (every new tenant, until autovacuum comes round) was
 * estimated at about one row, and on that estimate the planner filtered all the tenant's rows on
 * every write: the lock, the index deletes, the reference check, and the includes. With generic
 * plans (sql/0013: tenant-agnostic estimates) and the lookups written per key (LATERAL), they read
 * a handful of rows; counted here in the test's own transaction (pg_stat_xact_user_tables).
 */
let s: TestServer;
const ROWS = 5_000;
const TENANT = 'grown';

/** Patients and observations of one tenant, straight into the tables (with their index rows). */
function load(tenant: string): string[] {
  return [
    `insert into resource (tenant_id, resource_type, id, version_id, last_updated, resource)
     select '${tenant}', 'Patient', 'p' || g, 1, now(), jsonb_build_object('resourceType', 'Patient', 'id', 'p' || g)
     from generate_series(1, ${ROWS}) g`,
    `insert into resource (tenant_id, resource_type, id, version_id, last_updated, resource)
     select '${tenant}', 'Observation', 'o' || g, 1, now(), jsonb_build_object('resourceType', 'Observation', 'id', 'o' || g,
       'status', 'final', 'code', jsonb_build_object('text', 'x'), 'subject', jsonb_build_object('reference', 'Patient/p' || g))
     from generate_series(1, ${ROWS}) g`,
    `insert into search_reference (tenant_id, resource_type, id, code, target_type, target_id)
     select '${tenant}', 'Observation', 'o' || g, c, 'Patient', 'p' || g from generate_series(1, ${ROWS}) g, unnest(array['subject', 'patient']) c`,
    `insert into search_token (tenant_id, resource_type, id, code, system, value)
     select '${tenant}', 'Observation', 'o' || g, 'status', 'http://hl7.org/fhir/observation-status', 'final' from generate_series(1, ${ROWS}) g`,
  ];
}

beforeAll(async () => {
  s = await startTestServer();
  await s.createTenants('earlier', TENANT);
  const o = (text: string) => s.tdb.owner.query(text);
  // Statistics taken while only an earlier tenant had data, as in a running deployment...
  for (const q of load('earlier')) await o(q);
  await o('analyze');
  // ...then a new tenant grows: the statistics have never seen it.
  for (const q of load(TENANT)) await o(q);
}, 120_000);
afterAll(() => s.close());

/** Tuples read from the resource and index tables so far in this transaction. */
async function tuplesRead(tx: Tx): Promise<number> {
  const [row] = await tx.query<{ n: string }>(`select coalesce(sum(coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0)), 0)::text as n
    from pg_stat_xact_user_tables where relname = 'resource' or relname like 'search\\_%'`);
  return Number(row!.n);
}

async function measured(fn: (repo: Repository) => Promise<unknown>): Promise<number> {
  return withTenant(s.tdb.db, TENANT, async (tx) => {
    const repo = new Repository(tx, { scope: { kind: 'tenant', tenantId: TENANT }, sharedTypes: new Set() });
    const before = await tuplesRead(tx);
    await fn(repo);
    return (await tuplesRead(tx)) - before;
  });
}

const search = (type: string, query: string) =>
  parseSearch([type], [...new URLSearchParams(query).entries()], { defaultCount: 20, maxCount: 100, base: 'http://x/fhir', strict: true });

describe.runIf(POSTGRES.met)(needs(POSTGRES, `writes and includes in a tenant of ${ROWS * 2} rows its statistics do not know`), () => {
  it('an update (lock, index rows replaced, references checked) reads a handful of rows, not the tenant', async () => {
    const read = await measured((repo) => repo.write('Observation', 'o17', {
      resourceType: 'Observation', id: 'o17', status: 'amended', code: { text: 'y' }, subject: { reference: 'Patient/p17' },
    }, {}));
    expect(read).toBeLessThan(50);
  });

  it('a create referencing three patients, and a delete, read a handful of rows', async () => {
    const create = await measured((repo) => repo.write('Observation', 'new-1', {
      resourceType: 'Observation', status: 'final', code: { text: 'z' }, subject: { reference: 'Patient/p1' },
      performer: [{ reference: 'Patient/p2' }, { reference: 'Patient/p3' }],
    }, { freshId: true }));
    expect(create).toBeLessThan(50);
    const del = await measured((repo) => repo.delete('Observation', 'o18', undefined));
    expect(del).toBeLessThan(50);
  });

  it('_include and _revinclude of a few resources read a handful of rows', async () => {
    const forward = await measured(async (repo) => {
      const r = await repo.search(search('Observation', '_id=o20,o21&_include=Observation:subject'));
      expect(r.included.map((v) => v.id).sort()).toEqual(['p20', 'p21']);
    });
    expect(forward).toBeLessThan(60);
    const reverse = await measured(async (repo) => {
      const r = await repo.search(search('Patient', '_id=p30,p31&_revinclude=Observation:subject'));
      expect(r.included.map((v) => v.id).sort()).toEqual(['o30', 'o31']);
    });
    expect(reverse).toBeLessThan(60);
  });
});
