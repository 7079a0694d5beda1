import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BASE, startTestServer, type TestServer } from '../helpers/app.js';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ MAX_BODY_BYTES: '20000' });
  await s.createTenants('acme');
});
afterAll(() => s.close());

const patient = (extra: Record<string, unknown> = {}) => ({ resourceType: 'Patient', name: [{ family: 'Chalmers', given: ['Peter'] }], ...extra });

async function create(body: unknown = patient()) {
  const res = await s.fhir('acme', '/Patient', { json: body });
  expect(res.status).toBe(201);
  return { res, body: await res.json() };
}

describe('create', () => {
  it('assigns id and meta, and answers with Location, ETag and Last-Modified', async () => {
    const { res, body } = await create(patient({ id: 'client-chosen', meta: { versionId: '99', lastUpdated: '2000-01-01T00:00:00Z', tag: [{ code: 't' }] } }));
    expect(body.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(body.meta.versionId).toBe('1');
    expect(body.meta.tag).toEqual([{ code: 't' }]);
    expect(Date.parse(body.meta.lastUpdated)).toBeGreaterThan(Date.now() - 60_000);
    expect(res.headers.get('location')).toBe(`${BASE}/fhir/Patient/${body.id}/_history/1`);
    expect(res.headers.get('etag')).toBe('W/"1"');
    expect(new Date(res.headers.get('last-modified')!).getTime()).toBe(Math.floor(Date.parse(body.meta.lastUpdated) / 1000) * 1000);
    expect(res.headers.get('content-type')).toContain('application/fhir+json');
  });

  it('honours Prefer: return=minimal and return=OperationOutcome', async () => {
    const minimal = await s.fhir('acme', '/Patient', { json: patient(), headers: { prefer: 'return=minimal' } });
    expect(minimal.status).toBe(201);
    expect(await minimal.text()).toBe('');
    expect(minimal.headers.get('location')).toContain('/fhir/Patient/');
    const oo = await s.fhir('acme', '/Patient', { json: patient(), headers: { prefer: 'return=OperationOutcome' } });
    expect(oo.status).toBe(201);
    expect((await oo.json()).resourceType).toBe('OperationOutcome');
  });

  it('uses the base the request came in on', async () => {
    const res = await s.request('/tenants/acme/fhir/Patient', {
      method: 'POST', headers: { 'content-type': 'application/fhir+json' }, body: JSON.stringify(patient()),
    });
    expect(res.headers.get('location')).toMatch(new RegExp(`^${BASE}/tenants/acme/fhir/Patient/`));
  });

  it.each([
    ['invalid JSON', '{"resourceType":', 'application/fhir+json', 400],
    ['a JSON array', '[]', 'application/json', 400],
    ['another resource type', '{"resourceType":"Observation"}', 'application/fhir+json', 400],
    ['no resourceType', '{"name":[]}', 'application/fhir+json', 400],
    ['a non-JSON media type', '<Patient/>', 'application/fhir+xml', 415],
    ['an invalid id', '{"resourceType":"Patient","id":"no spaces allowed"}', 'application/fhir+json', 400],
  ])('refuses %s', async (_what, body, type, status) => {
    const res = await s.fhir('acme', '/Patient', { method: 'POST', body, headers: { 'content-type': type } });
    expect(res.status).toBe(status);
    const oo = await res.json();
    expect(oo.resourceType).toBe('OperationOutcome');
    expect(oo.issue[0].severity).toBe('error');
  });

  it('refuses a body over the configured limit with 413', async () => {
    const res = await s.fhir('acme', '/Patient', { json: patient({ text: { status: 'generated', div: 'x'.repeat(30_000) } }) });
    expect(res.status).toBe(413);
    expect((await res.json()).resourceType).toBe('OperationOutcome');
  });

  it('answers 404 OperationOutcome for a type that is not an R4 resource', async () => {
    const res = await s.fhir('acme', '/Patients', { json: { resourceType: 'Patients' } });
    expect(res.status).toBe(404);
    expect((await res.json()).issue[0].code).toBe('not-found');
  });
});

describe('read and vread', () => {
  it('reads the current version with ETag and Last-Modified', async () => {
    const { body } = await create();
    const res = await s.fhir('acme', `/Patient/${body.id}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('etag')).toBe('W/"1"');
    // An HTTP-date: meta.lastUpdated to the second.
    expect(res.headers.get('last-modified')).toBe(new Date(body.meta.lastUpdated).toUTCString());
    expect(await res.json()).toEqual(body);
  });

  it('answers 404 for an unknown id and 400 for a malformed one', async () => {
    expect((await s.fhir('acme', '/Patient/does-not-exist')).status).toBe(404);
    expect((await s.fhir('acme', `/Patient/${'x'.repeat(65)}`)).status).toBe(400);
  });

  it('reads old versions by vread, 404 for a version that never was', async () => {
    const { body } = await create();
    await s.fhir('acme', `/Patient/${body.id}`, { method: 'PUT', json: { ...body, gender: 'male' } });
    const v1 = await s.fhir('acme', `/Patient/${body.id}/_history/1`);
    expect(v1.status).toBe(200);
    expect((await v1.json()).gender).toBeUndefined();
    const v2 = await s.fhir('acme', `/Patient/${body.id}/_history/2`);
    expect((await v2.json()).gender).toBe('male');
    expect(v2.headers.get('etag')).toBe('W/"2"');
    expect((await s.fhir('acme', `/Patient/${body.id}/_history/3`)).status).toBe(404);
    expect((await s.fhir('acme', `/Patient/${body.id}/_history/x`)).status).toBe(404);
  });
});

describe('update', () => {
  it('makes a new version and keeps server-owned meta', async () => {
    const { body } = await create();
    const res = await s.fhir('acme', `/Patient/${body.id}`, { method: 'PUT', json: { ...body, meta: { versionId: '7' }, active: true } });
    expect(res.status).toBe(200);
    const updated = await res.json();
    expect(updated.meta.versionId).toBe('2');
    expect(updated.active).toBe(true);
    expect(res.headers.get('etag')).toBe('W/"2"');
  });

  it('creates with the client id (create-on-update) and answers 201 with Location', async () => {
    const res = await s.fhir('acme', '/Patient/pat-client-1', { method: 'PUT', json: patient({ id: 'pat-client-1' }) });
    expect(res.status).toBe(201);
    expect(res.headers.get('location')).toBe(`${BASE}/fhir/Patient/pat-client-1/_history/1`);
  });

  it('refuses a body id that differs from the URL or is missing (400)', async () => {
    expect((await s.fhir('acme', '/Patient/a1', { method: 'PUT', json: patient({ id: 'a2' }) })).status).toBe(400);
    expect((await s.fhir('acme', '/Patient/a1', { method: 'PUT', json: patient() })).status).toBe(400);
    expect((await s.fhir('acme', '/Patient/a1', { method: 'PUT', json: { resourceType: 'Observation', id: 'a1' } })).status).toBe(400);
  });

  it('honours If-Match: 412 on mismatch and nothing changes', async () => {
    const { body } = await create();
    const stale = await s.fhir('acme', `/Patient/${body.id}`, { method: 'PUT', json: { ...body, active: true }, headers: { 'if-match': 'W/"5"' } });
    expect(stale.status).toBe(412);
    expect((await stale.json()).resourceType).toBe('OperationOutcome');
    expect((await (await s.fhir('acme', `/Patient/${body.id}`)).json()).meta.versionId).toBe('1');
    const ok = await s.fhir('acme', `/Patient/${body.id}`, { method: 'PUT', json: { ...body, active: true }, headers: { 'if-match': 'W/"1"' } });
    expect(ok.status).toBe(200);
    const bad = await s.fhir('acme', `/Patient/${body.id}`, { method: 'PUT', json: body, headers: { 'if-match': 'nonsense' } });
    expect(bad.status).toBe(400);
    const absent = await s.fhir('acme', '/Patient/never-there', { method: 'PUT', json: patient({ id: 'never-there' }), headers: { 'if-match': 'W/"1"' } });
    expect(absent.status).toBe(412);
  });
});

describe('delete', () => {
  it('soft-deletes: 204, then read answers 410, history keeps every version', async () => {
    const { body } = await create();
    const del = await s.fhir('acme', `/Patient/${body.id}`, { method: 'DELETE' });
    expect(del.status).toBe(204);
    expect(del.headers.get('etag')).toBe('W/"2"');
    const gone = await s.fhir('acme', `/Patient/${body.id}`);
    expect(gone.status).toBe(410);
    expect((await gone.json()).issue[0].code).toBe('deleted');
    expect((await s.fhir('acme', `/Patient/${body.id}`, { method: 'DELETE' })).status).toBe(204);
    const history = await (await s.fhir('acme', `/Patient/${body.id}/_history`)).json();
    expect(history.entry.map((e: { request: { method: string } }) => e.request.method)).toEqual(['DELETE', 'POST']);
    expect(history.entry[0].resource).toBeUndefined();
    expect((await s.fhir('acme', `/Patient/${body.id}/_history/1`)).status).toBe(200);
    expect((await s.fhir('acme', `/Patient/${body.id}/_history/2`)).status).toBe(410);
  });

  it('answers 404 for a resource that never existed, 412 on If-Match mismatch', async () => {
    expect((await s.fhir('acme', '/Patient/never-existed', { method: 'DELETE' })).status).toBe(404);
    const { body } = await create();
    expect((await s.fhir('acme', `/Patient/${body.id}`, { method: 'DELETE', headers: { 'if-match': 'W/"2"' } })).status).toBe(412);
    expect((await s.fhir('acme', `/Patient/${body.id}`)).status).toBe(200);
  });

  it('brings a deleted resource back on update, as a new version', async () => {
    const { body } = await create();
    await s.fhir('acme', `/Patient/${body.id}`, { method: 'DELETE' });
    const res = await s.fhir('acme', `/Patient/${body.id}`, { method: 'PUT', json: body });
    expect(res.status).toBe(201);
    expect((await res.json()).meta.versionId).toBe('3');
  });
});

describe('history', () => {
  beforeAll(() => s.createTenants('hist'));

  it('lists instance, type and system history newest first, with _count paging and _since', async () => {
    const first = await (await s.fhir('hist', '/Patient', { json: patient() })).json();
    await s.fhir('hist', `/Patient/${first.id}`, { method: 'PUT', json: { ...first, active: true } });
    const obs = await (await s.fhir('hist', '/Observation', { json: { resourceType: 'Observation', status: 'final', code: { text: 'x' }, subject: { reference: `Patient/${first.id}` } } })).json();

    const instance = await (await s.fhir('hist', `/Patient/${first.id}/_history`)).json();
    expect(instance.resourceType).toBe('Bundle');
    expect(instance.type).toBe('history');
    expect(instance.entry.map((e: { resource: { meta: { versionId: string } } }) => e.resource.meta.versionId)).toEqual(['2', '1']);
    expect(instance.entry[0].fullUrl).toBe(`${BASE}/fhir/Patient/${first.id}`);
    expect(instance.entry[0].response.etag).toBe('W/"2"');

    const type = await (await s.fhir('hist', '/Patient/_history')).json();
    expect(type.entry).toHaveLength(2);

    const system = await (await s.fhir('hist', '/_history')).json();
    expect(system.entry.map((e: { resource: { resourceType: string } }) => e.resource.resourceType)).toEqual(['Observation', 'Patient', 'Patient']);

    const page1 = await (await s.fhir('hist', '/_history?_count=2')).json();
    expect(page1.entry).toHaveLength(2);
    const next = page1.link.find((l: { relation: string }) => l.relation === 'next');
    expect(next.url).toContain(`${BASE}/fhir/_history?`);
    const page2 = await (await s.fhir('hist', new URL(next.url).pathname.replace('/fhir', '') + new URL(next.url).search)).json();
    expect(page2.entry).toHaveLength(1);
    expect(page2.link.find((l: { relation: string }) => l.relation === 'next')).toBeUndefined();

    const since = await (await s.fhir('hist', `/_history?_since=${encodeURIComponent(obs.meta.lastUpdated)}`)).json();
    expect(since.entry.map((e: { resource: { id: string } }) => e.resource.id)).toEqual([obs.id]);
  });

  it('refuses malformed _since and _count, and 404s the history of an unknown resource', async () => {
    expect((await s.fhir('hist', '/_history?_since=yesterday')).status).toBe(400);
    expect((await s.fhir('hist', '/_history?_count=-1')).status).toBe(400);
    expect((await s.fhir('hist', '/Patient/nobody/_history')).status).toBe(404);
  });
});

describe('search (basic) and metadata', () => {
  beforeAll(() => s.createTenants('srch'));

  it('lists resources of a type, filters by _id, reports unknown parameters', async () => {
    const a = await (await s.fhir('srch', '/Patient', { json: patient() })).json();
    await s.fhir('srch', '/Patient', { json: patient() });
    const all = await (await s.fhir('srch', '/Patient')).json();
    expect(all.type).toBe('searchset');
    expect(all.entry).toHaveLength(2);
    const byId = await (await s.fhir('srch', `/Patient?_id=${a.id}`)).json();
    expect(byId.entry.map((e: { resource: { id: string } }) => e.resource.id)).toEqual([a.id]);
    const unknown = await (await s.fhir('srch', '/Patient?nonsense=1')).json();
    expect(unknown.entry.at(-1).search.mode).toBe('outcome');
    expect((await s.fhir('srch', '/Patient?nonsense=1', { headers: { prefer: 'handling=strict' } })).status).toBe(400);
  });

  it('serves a CapabilityStatement listing the interactions and table set per type', async () => {
    const res = await s.fhir('srch', '/metadata');
    expect(res.status).toBe(200);
    const cs = await res.json();
    expect(cs.resourceType).toBe('CapabilityStatement');
    expect(cs.fhirVersion).toBe('4.0.1');
    const resources = cs.rest[0].resource as { type: string; interaction: { code: string }[]; extension: { valueCode: string }[] }[];
    expect(resources.length).toBeGreaterThan(140);
    const pat = resources.find((r) => r.type === 'Patient')!;
    expect(pat.interaction.map((i) => i.code)).toEqual(expect.arrayContaining(['read', 'vread', 'update', 'delete', 'create', 'history-instance', 'history-type', 'search-type']));
    expect(pat.extension[0]!.valueCode).toBe('tenant');
    expect(resources.find((r) => r.type === 'Organization')!.extension[0]!.valueCode).toBe('tenant+shared');
    const shared = await (await s.request('/shared/fhir/metadata')).json();
    // Plus ViewDefinition (SQL on FHIR), stored in the shared set and listed for its $run.
    expect(shared.rest[0].resource.map((r: { type: string }) => r.type).sort()).toEqual([...s.config.sharedResourceTypes, 'ViewDefinition'].sort());
  });

  it('answers unsupported methods with 405 and unknown paths with 404, as OperationOutcome', async () => {
    const options = await s.fhir('srch', '/Patient/x', { method: 'OPTIONS' });
    expect(options.status).toBe(405);
    const unknown = await s.request('/nowhere');
    expect(unknown.status).toBe(404);
    expect((await unknown.json()).resourceType).toBe('OperationOutcome');
  });
});
