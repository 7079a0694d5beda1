import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/app.js';

/* Tenant A against tenant B's resources, through every interaction of the API. */
let s: TestServer;
let bPatient: { id: string; meta: { versionId: string } };
const SECRET = 'Zebulon-B-only';

beforeAll(async () => {
  s = await startTestServer();
  await s.createTenants('tenant-a', 'tenant-b');
  bPatient = await (await s.fhir('tenant-b', '/Patient', { json: { resourceType: 'Patient', name: [{ family: SECRET }] } })).json();
  await s.fhir('tenant-b', `/Patient/${bPatient.id}`, { method: 'PUT', json: { ...bPatient, active: true } });
  await s.fhir('tenant-a', '/Patient', { json: { resourceType: 'Patient', name: [{ family: 'A-side' }] } });
});
afterAll(() => s.close());

// B's content must never show; B's id may, only where A's own request named it (an echo).
async function textOf(res: Response, requested: string) {
  const text = await res.text();
  expect(text).not.toContain(SECRET);
  if (!requested.includes(bPatient.id)) expect(text).not.toContain(bPatient.id);
  return text;
}

describe("tenant A against tenant B's data", () => {
  it('cannot read or vread it', async () => {
    for (const path of [`/Patient/${bPatient.id}`, `/Patient/${bPatient.id}/_history/1`, `/Patient/${bPatient.id}/_history/2`]) {
      const res = await s.fhir('tenant-a', path);
      expect(res.status, path).toBe(404);
      await textOf(res, path);
    }
  });

  it('cannot list it by search, _id, or history at any level', async () => {
    for (const path of ['/Patient', `/Patient?_id=${bPatient.id}`, '/Patient/_history', '/_history', `/Patient/${bPatient.id}/_history`]) {
      await textOf(await s.fhir('tenant-a', path), path);
    }
    const search = await (await s.fhir('tenant-a', `/Patient?_id=${bPatient.id}`)).json();
    expect(search.entry ?? []).toHaveLength(0);
  });

  it('cannot update or delete it; a PUT with the same id makes an independent resource in A', async () => {
    const del = await s.fhir('tenant-a', `/Patient/${bPatient.id}`, { method: 'DELETE' });
    expect(del.status).toBe(404);
    const ifMatch = await s.fhir('tenant-a', `/Patient/${bPatient.id}`, { method: 'PUT', headers: { 'if-match': 'W/"2"' }, json: { resourceType: 'Patient', id: bPatient.id } });
    expect(ifMatch.status).toBe(412);
    const put = await s.fhir('tenant-a', `/Patient/${bPatient.id}`, { method: 'PUT', json: { resourceType: 'Patient', id: bPatient.id, name: [{ family: 'A-copy' }] } });
    expect(put.status).toBe(201);
    expect((await put.json()).meta.versionId).toBe('1');

    const inB = await (await s.fhir('tenant-b', `/Patient/${bPatient.id}`)).json();
    expect(inB.name[0].family).toBe(SECRET);
    expect(inB.meta.versionId).toBe('2');
    const inA = await (await s.fhir('tenant-a', `/Patient/${bPatient.id}`)).json();
    expect(inA.name[0].family).toBe('A-copy');
    await s.fhir('tenant-a', `/Patient/${bPatient.id}`, { method: 'DELETE' });
    expect((await s.fhir('tenant-b', `/Patient/${bPatient.id}`)).status).toBe(200);
  });

  it('cannot reference it (422), nor reach it through the per-tenant base URL of A', async () => {
    const obs = await s.fhir('tenant-a', '/Observation', { json: { resourceType: 'Observation', status: 'final', code: { text: 'x' }, subject: { reference: `Patient/${bPatient.id}` } } });
    // A has its own deleted copy with that id now, and B's is invisible: both count as missing.
    expect(obs.status).toBe(422);
    const path = `/tenants/tenant-a/fhir/Patient/${bPatient.id}/_history/2`;
    const viaUrl = await s.request(path);
    expect(viaUrl.status).toBe(410); // A's own tombstone of its copy, never B's version 2
    await textOf(viaUrl, path);
  });

  it('leaves B unchanged: versions in B are exactly the two B wrote', async () => {
    const rows = await s.tdb.owner.query<{ tenant_id: string; version_id: number }>(
      'select tenant_id, version_id from resource_history where id = $1 order by tenant_id, version_id', [bPatient.id],
    );
    expect(rows.filter((r) => r.tenant_id === 'tenant-b').map((r) => r.version_id)).toEqual([1, 2]);
  });
});
