import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../helpers/app.js';
import { readBundle, syntheaFiles } from '../../fixtures/synthea.js';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ MAX_BUNDLE_ENTRIES: '2000' });
  await s.createTenants('tx-a', 'tx-b', 'tx-c');
  await s.admin('/tenants', { json: { id: 'tx-small', name: 'Small bundles', config: { maxBundleEntries: 5 } } });
});
afterAll(() => s.close());

const post = (tenant: string, bundle: unknown, headers: Record<string, string> = {}) => s.fhir(tenant, '', { json: bundle, headers });

/** Row counts of every table, as the owner: a failed transaction must leave all of them as they were. */
async function snapshot(): Promise<Record<string, number>> {
  const tables = await s.tdb.owner.query<{ relname: string }>("select relname from pg_class where relnamespace = 'public'::regnamespace and relkind = 'r' order by 1");
  const out: Record<string, number> = {};
  for (const { relname } of tables) out[relname] = (await s.tdb.owner.query<{ n: number }>(`select count(*)::int as n from ${relname}`))[0]!.n;
  return out;
}

const tx = (...entry: unknown[]) => ({ resourceType: 'Bundle', type: 'transaction', entry });
const postEntry = (fullUrl: string, resource: object, extra: object = {}) => ({ fullUrl, resource, request: { method: 'POST', url: (resource as { resourceType: string }).resourceType, ...extra } });

describe('Synthea transactions', () => {
  it('load every Synthea bundle into two tenants with the same counts, every reference resolved inside the tenant', async () => {
    const expected: Record<string, number> = {};
    for (const file of syntheaFiles()) {
      const bundle = readBundle(file);
      for (const e of bundle.entry) expected[e.resource.resourceType] = (expected[e.resource.resourceType] ?? 0) + 1;
      for (const tenant of ['tx-a', 'tx-b']) {
        const res = await post(tenant, bundle, { prefer: 'return=minimal' });
        expect(res.status, file).toBe(200);
        const body = await res.json();
        expect(body.type).toBe('transaction-response');
        expect(body.entry).toHaveLength(bundle.entry.length);
        expect(body.entry.every((e: { response: { status: string } }) => e.response.status === '201 Created')).toBe(true);
        expect(body.entry[0].response.location).toMatch(/^Patient\/[0-9a-f-]{36}\/_history\/1$/);
        expect(body.entry[0].response.etag).toBe('W/"1"');
      }
    }
    for (const tenant of ['tx-a', 'tx-b']) {
      const rows = await s.tdb.owner.query<{ resource_type: string; n: number }>(
        'select resource_type, count(*)::int as n from resource where tenant_id = $1 group by 1', [tenant]);
      expect(Object.fromEntries(rows.map((r) => [r.resource_type, r.n]))).toEqual(expected);
    }
    const [unresolved] = await s.tdb.owner.query<{ n: number }>("select count(*)::int as n from search_reference where url like 'urn:%'");
    expect(unresolved!.n).toBe(0);
    const [dangling] = await s.tdb.owner.query<{ n: number }>(`select count(*)::int as n from search_reference r where r.target_id is not null
      and not exists (select 1 from resource x where x.tenant_id = r.tenant_id and x.resource_type = r.target_type and x.id = r.target_id)`);
    expect(dangling!.n).toBe(0);
    const [text] = await s.tdb.owner.query<{ n: number }>("select count(*)::int as n from resource where resource::text like '%urn:uuid:%'");
    expect(text!.n).toBe(0);
  }, 600_000);
});

describe('transaction semantics', () => {
  it('rolls back everything when an entry fails, whichever it is', async () => {
    const good = (n: number) => postEntry(`urn:uuid:00000000-0000-0000-0000-00000000000${n}`, { resourceType: 'Patient', gender: 'male' });
    const bad = postEntry('urn:uuid:00000000-0000-0000-0000-0000000000ff', { resourceType: 'Patient', gender: 'boy' });
    for (const bundle of [tx(bad, good(1), good(2)), tx(good(1), bad, good(2)), tx(good(1), good(2), bad)]) {
      const before = await snapshot();
      const res = await post('tx-c', bundle);
      expect(res.status).toBe(400);
      const oo = await res.json();
      expect(oo.resourceType).toBe('OperationOutcome');
      expect(JSON.stringify(oo)).toContain('Bundle.entry[');
      expect(await snapshot()).toEqual(before);
    }
  });

  it('rolls back on a conflicting If-Match and on an unresolvable conditional reference', async () => {
    const p = await (await s.fhir('tx-c', '/Patient', { json: { resourceType: 'Patient' } })).json();
    await s.fhir('tx-c', '/Patient', { json: { resourceType: 'Patient' } });
    const before = await snapshot();
    const stale = await post('tx-c', tx(
      postEntry('urn:uuid:a', { resourceType: 'Patient' }),
      { resource: { ...p, active: true }, request: { method: 'PUT', url: `Patient/${p.id}`, ifMatch: 'W/"7"' } },
    ));
    expect(stale.status).toBe(412);
    const cond = await post('tx-c', tx(postEntry('urn:uuid:b', { resourceType: 'Observation', status: 'final', code: { text: 'x' }, subject: { reference: 'Patient?identifier=http://nowhere|none' } })));
    expect(cond.status).toBe(412);
    const several = await post('tx-c', tx(postEntry('urn:uuid:b', { resourceType: 'Observation', status: 'final', code: { text: 'x' }, subject: { reference: 'Patient?gender:missing=true' } })));
    expect(several.status).toBe(412);
    expect(await snapshot()).toEqual(before);
  });

  it('resolves urn:uuid and urn:oid fullUrls and conditional references, and reuses matches of ifNoneExist', async () => {
    await s.fhir('tx-c', '/Patient', { json: { resourceType: 'Patient', identifier: [{ system: 'http://mrn', value: 'known' }] } });
    const res = await post('tx-c', tx(
      postEntry('urn:oid:1.2.3.4', { resourceType: 'Organization', name: 'Org by oid', identifier: [{ system: 'http://org', value: 'o1' }] }, { ifNoneExist: 'identifier=http://org|o1' }),
      postEntry('urn:uuid:11111111-1111-1111-1111-111111111111', { resourceType: 'Patient', managingOrganization: { reference: 'urn:oid:1.2.3.4' } }),
      postEntry('urn:uuid:22222222-2222-2222-2222-222222222222', { resourceType: 'Observation', status: 'final', code: { text: 'x' },
        subject: { reference: 'urn:uuid:11111111-1111-1111-1111-111111111111' }, performer: [{ reference: 'Patient?identifier=http://mrn|known' }] }),
    ));
    expect(res.status).toBe(200);
    const body = await res.json();
    const [org, pat, obs] = body.entry.map((e: { resource: Record<string, unknown> }) => e.resource);
    expect(pat.managingOrganization.reference).toBe(`Organization/${org.id}`);
    expect(obs.subject.reference).toBe(`Patient/${pat.id}`);
    expect(obs.performer[0].reference).toMatch(/^Patient\/[0-9a-f-]{36}$/);
    // The same transaction again: the Organization already exists, so ifNoneExist returns it.
    const again = await (await post('tx-c', tx(postEntry('urn:oid:1.2.3.4', { resourceType: 'Organization', name: 'Org by oid', identifier: [{ system: 'http://org', value: 'o1' }] }, { ifNoneExist: 'identifier=http://org|o1' })))).json();
    expect(again.entry[0].response.status).toBe('200 OK');
    expect(again.entry[0].resource.id).toBe(org.id);
  });

  it('processes DELETE, POST, PUT/PATCH, then GET, and answers each entry', async () => {
    const p = await (await s.fhir('tx-c', '/Patient/ordered', { method: 'PUT', json: { resourceType: 'Patient', id: 'ordered', gender: 'male' } })).json();
    const patch = Buffer.from(JSON.stringify([{ op: 'replace', path: '/gender', value: 'female' }])).toString('base64');
    const res = await post('tx-c', tx(
      { request: { method: 'GET', url: 'Patient/ordered' } },
      { resource: { resourceType: 'Binary', contentType: 'application/json-patch+json', data: patch }, request: { method: 'PATCH', url: 'Patient/ordered' } },
      { request: { method: 'GET', url: 'Patient?gender=female&_id=ordered' } },
      { resource: { resourceType: 'Patient', id: 'put-one', active: true }, request: { method: 'PUT', url: 'Patient/put-one' } },
      { request: { method: 'DELETE', url: 'Patient/put-one' } },
    ));
    // DELETE of put-one runs first (nothing there: 404), so the whole transaction fails.
    expect(res.status).toBe(404);
    const ok = await post('tx-c', tx(
      { request: { method: 'GET', url: 'Patient/ordered' } },
      { resource: { resourceType: 'Binary', contentType: 'application/json-patch+json', data: patch }, request: { method: 'PATCH', url: 'Patient/ordered' } },
      { request: { method: 'GET', url: 'Patient?gender=female&_id=ordered' } },
      { resource: { resourceType: 'Parameters', parameter: [{ name: 'operation', part: [{ name: 'type', valueCode: 'add' }, { name: 'path', valueString: 'Patient' }, { name: 'name', valueString: 'active' }, { name: 'value', valueBoolean: true }] }] }, request: { method: 'PATCH', url: 'Patient/put-two' } },
      { resource: { resourceType: 'Patient', id: 'put-two' }, request: { method: 'PUT', url: 'Patient/put-two' } },
    ));
    const body = await ok.json();
    expect(ok.status, JSON.stringify(body)).toBe(400); // put-two is the target of two entries
    const fine = await post('tx-c', tx(
      { request: { method: 'GET', url: 'Patient/ordered' } },
      { resource: { resourceType: 'Binary', contentType: 'application/json-patch+json', data: patch }, request: { method: 'PATCH', url: 'Patient/ordered' } },
      { request: { method: 'GET', url: 'Patient?gender=female&_id=ordered' } },
    ));
    const out = await fine.json();
    expect(out.entry.map((e: { response: { status: string } }) => e.response.status)).toEqual(['200 OK', '200 OK', '200 OK']);
    // GETs run last: they see the patched version.
    expect(out.entry[0].resource.gender).toBe('female');
    expect(out.entry[2].resource.total).toBe(1);
    expect(p.meta.versionId).toBe('1');
  });

  it('refuses more entries than allowed (413), a reference to another tenant (422), and malformed bundles (400)', async () => {
    const entries = (n: number) => tx(...Array.from({ length: n }, (_, i) => postEntry(`urn:uuid:${i}`, { resourceType: 'Basic', code: { text: 'x' } })));
    expect((await post('tx-c', entries(2001))).status).toBe(413); // MAX_BUNDLE_ENTRIES
    expect((await post('tx-small', entries(6))).status).toBe(413); // the tenant's own limit
    expect((await post('tx-small', entries(5))).status).toBe(200);
    const theirs = await (await s.fhir('tx-a', '/Patient', { json: { resourceType: 'Patient' } })).json();
    const cross = await post('tx-c', tx(postEntry('urn:uuid:x', { resourceType: 'Observation', status: 'final', code: { text: 'x' }, subject: { reference: `Patient/${theirs.id}` } })));
    expect(cross.status).toBe(422);
    for (const bad of [{ resourceType: 'Bundle', type: 'collection' }, { resourceType: 'Patient' }, tx({ request: { method: 'POST', url: 'Nonsense' }, resource: { resourceType: 'Nonsense' } }), tx({ resource: { resourceType: 'Patient' } }), tx({ request: { method: 'PUT', url: 'Patient/a' }, resource: { resourceType: 'Patient', id: 'b' } })]) {
      const res = await post('tx-c', bad);
      expect(res.status, JSON.stringify(bad)).toBe(400);
    }
  });
});

describe('batch', () => {
  it('runs every entry on its own: one failure leaves the others', async () => {
    const res = await post('tx-c', { resourceType: 'Bundle', type: 'batch', entry: [
      { resource: { resourceType: 'Patient', gender: 'male' }, request: { method: 'POST', url: 'Patient' } },
      { resource: { resourceType: 'Patient', gender: 'boy' }, request: { method: 'POST', url: 'Patient' } },
      { request: { method: 'GET', url: 'Patient/does-not-exist' } },
      { resource: { resourceType: 'Patient', id: 'batch-put' }, request: { method: 'PUT', url: 'Patient/batch-put' } },
    ] });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.type).toBe('batch-response');
    expect(body.entry.map((e: { response: { status: string } }) => e.response.status)).toEqual(['201 Created', '400 Bad Request', '404 Not Found', '201 Created']);
    expect(body.entry[1].response.outcome.resourceType).toBe('OperationOutcome');
    expect((await s.fhir('tx-c', '/Patient/batch-put')).status).toBe(200);
  });
});
