import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, startTestServer, type TestServer } from '../../helpers/app.js';

/*
 * Per-tenant SearchParameters (issue 14 item 7): a tenant's own parameters index its new writes at
 * once, its existing data after $reindex, exist only in its requests and its CapabilityStatement;
 * the shared set's apply to every tenant; invalid ones are refused with the reason.
 */
let s: TestServer;

const EXT = 'http://example.org/fhir/StructureDefinition/favourite-colour';

const param = (id: string, extra: object = {}) => ({
  resourceType: 'SearchParameter', id, url: `http://example.org/fhir/SearchParameter/${id}`, name: id, status: 'active',
  description: `test parameter ${id}`, code: id, base: ['Patient'], type: 'token', expression: `Patient.extension('${EXT}').value`, ...extra,
});

const patient = (colour: string, given = 'Ann') => ({
  resourceType: 'Patient', name: [{ family: 'Test', given: [given] }], extension: [{ url: EXT, valueCode: colour }],
});

async function put(t: string, path: string, body: object): Promise<Response> {
  return s.fhir(t, path, { method: 'PUT', json: body });
}

async function ids(t: string, query: string, init: RequestInit = {}): Promise<string[]> {
  const res = await s.fhir(t, `/Patient?${query}`, init);
  expect(res.status, await res.clone().text()).toBe(200);
  const bundle = await res.json();
  return (bundle.entry ?? []).filter((e: { search?: { mode?: string } }) => e.search?.mode === 'match').map((e: { resource: { id: string } }) => e.resource.id).sort();
}

async function create(t: string, body: object): Promise<string> {
  const res = await s.fhir(t, `/${(body as { resourceType: string }).resourceType}`, { json: body });
  expect(res.status, await res.clone().text()).toBe(201);
  return (await res.json()).id;
}

const strict = { headers: { prefer: 'handling=strict' } };

beforeAll(async () => {
  s = await startTestServer();
  await s.createTenants('sp-a', 'sp-b');
});

afterAll(() => s.close());

describe('a tenant\'s own SearchParameter', () => {
  let before: string;
  let blueB: string;

  it('existing data waits for $reindex; new writes are indexed at once; only in that tenant', async () => {
    before = await create('sp-a', patient('blue'));
    blueB = await create('sp-b', patient('blue'));
    expect((await put('sp-a', '/SearchParameter/colour', param('colour'))).status).toBe(201);
    const after = await create('sp-a', patient('blue'));
    await create('sp-a', patient('red'));
    expect(await ids('sp-a', 'colour=blue')).toEqual([after]);

    // Tenant B knows no such parameter: 400 when strict, ignored (every Patient) when lenient.
    const res = await s.fhir('sp-b', '/Patient?colour=blue', strict);
    expect(res.status).toBe(400);
    expect(await ids('sp-b', 'colour=red')).toEqual([blueB]);
  });

  it('$reindex of the parameter indexes existing resources, with progress', async () => {
    const res = await s.fhir('sp-a', '/SearchParameter/colour/$reindex', { method: 'POST' });
    expect(res.status, await res.clone().text()).toBe(200);
    const out = await res.json();
    expect(out.parameter).toEqual(expect.arrayContaining([{ name: 'done', valueBoolean: true }]));
    expect(out.parameter.find((p: { name: string }) => p.name === 'processed').valueInteger).toBe(3);
    const blue = await ids('sp-a', 'colour=blue');
    expect(blue).toHaveLength(2);
    expect(blue).toContain(before);
    // Sorting and :missing go through the same registry.
    expect((await s.fhir('sp-a', '/Patient?_sort=colour', strict)).status).toBe(200);
    expect(await ids('sp-a', 'colour:missing=true')).toEqual([]);
  });

  it('tenant B\'s writes and $reindex never index A\'s parameter, and B cannot $reindex A\'s SearchParameter', async () => {
    expect((await s.fhir('sp-b', '/$reindex', { method: 'POST' })).status).toBe(200);
    const rows = await s.tdb.owner.query(`select count(*)::int as n from search_token where tenant_id = 'sp-b' and code = 'colour'`);
    expect(rows[0]?.n).toBe(0);
    expect((await s.fhir('sp-b', '/SearchParameter/colour/$reindex', { method: 'POST' })).status).toBe(404);
    expect((await s.fhir('sp-b', '/SearchParameter/colour')).status).toBe(404);
  });

  it('the operator\'s reindex (admin API) keeps the tenant\'s own parameters', async () => {
    expect((await s.admin('/tenants/sp-a/$reindex', { method: 'POST' })).status).toBe(200);
    expect(await ids('sp-a', 'colour=blue')).toHaveLength(2);
  });

  it('a change made by another process is seen by the next request (version on the tenant row)', async () => {
    // As another server process would leave it: the resource retired and the version bumped, this
    // process's cache untouched.
    await s.tdb.owner.query(`update resource set resource = jsonb_set(resource, '{status}', '"retired"')
      where tenant_id = 'sp-a' and resource_type = 'SearchParameter' and id = 'colour'`);
    await s.tdb.owner.query(`update tenant set search_params_version = search_params_version + 1 where id = 'sp-a'`);
    expect((await s.fhir('sp-a', '/Patient?colour=blue', strict)).status).toBe(400);
    await s.tdb.owner.query(`update resource set resource = jsonb_set(resource, '{status}', '"active"')
      where tenant_id = 'sp-a' and resource_type = 'SearchParameter' and id = 'colour'`);
    await s.tdb.owner.query(`update tenant set search_params_version = search_params_version + 1 where id = 'sp-a'`);
    expect(await ids('sp-a', 'colour=blue')).toHaveLength(2);
  });

  it('the CapabilityStatement lists it, with its canonical, only in tenant A', async () => {
    const listed = async (t: string) => {
      const cs = await (await s.fhir(t, '/metadata')).json();
      const patientEntry = cs.rest[0].resource.find((r: { type: string }) => r.type === 'Patient');
      return patientEntry.searchParam.find((p: { name: string }) => p.name === 'colour');
    };
    expect(await listed('sp-a')).toMatchObject({ name: 'colour', type: 'token', definition: 'http://example.org/fhir/SearchParameter/colour' });
    expect(await listed('sp-b')).toBeUndefined();
  });

  it('retired: no longer searchable, its rows gone; active again after $reindex', async () => {
    expect((await put('sp-a', '/SearchParameter/colour', param('colour', { status: 'retired' }))).status).toBe(200);
    expect((await s.fhir('sp-a', '/Patient?colour=blue', strict)).status).toBe(400);
    const rows = await s.tdb.owner.query(`select count(*)::int as n from search_token where tenant_id = 'sp-a' and code = 'colour'`);
    expect(rows[0]?.n).toBe(0);
    expect((await put('sp-a', '/SearchParameter/colour', param('colour'))).status).toBe(200);
    expect(await ids('sp-a', 'colour=blue')).toEqual([]);
    await s.fhir('sp-a', '/SearchParameter/colour/$reindex', { method: 'POST' });
    expect(await ids('sp-a', 'colour=blue')).toHaveLength(2);
  });

  it('a string parameter on a FHIRPath function (first given name), deleted afterwards', async () => {
    const spec = param('first-given', { type: 'string', expression: 'Patient.name.given.first()' });
    expect((await put('sp-a', '/SearchParameter/first-given', spec)).status).toBe(201);
    const zed = await create('sp-a', patient('green', 'Zebedee'));
    expect(await ids('sp-a', 'first-given=zeb')).toEqual([zed]);
    expect((await s.fhir('sp-a', '/SearchParameter/first-given', { method: 'DELETE' })).status).toBeLessThan(300);
    expect((await s.fhir('sp-a', '/Patient?first-given=zeb', strict)).status).toBe(400);
  });
});

describe('a reference parameter of a tenant', () => {
  it('chains and _include through it; $reindex answers a cursor it can resume from', async () => {
    const org = await create('sp-a', { resourceType: 'Organization', name: 'Acme Clinic' });
    const spec = param('mo', { type: 'reference', expression: 'Patient.managingOrganization', target: ['Organization'] });
    expect((await put('sp-a', '/SearchParameter/mo', spec)).status).toBe(201);
    const p = await create('sp-a', { resourceType: 'Patient', managingOrganization: { reference: `Organization/${org}` } });
    expect(await ids('sp-a', `mo=Organization/${org}`)).toEqual([p]);
    expect(await ids('sp-a', 'mo.name=acme')).toEqual([p]);
    const bundle = await (await s.fhir('sp-a', `/Patient?_id=${p}&_include=Patient:mo`)).json();
    expect(bundle.entry.map((e: { resource: { resourceType: string } }) => e.resource.resourceType).sort()).toEqual(['Organization', 'Patient']);
    const resumed = await (await s.fhir('sp-a', '/SearchParameter/mo/$reindex?cursor=Patient/zzzz', { method: 'POST' })).json();
    expect(resumed.parameter).toEqual([{ name: 'processed', valueInteger: 0 }, { name: 'done', valueBoolean: true }]);
    expect((await s.fhir('sp-a', '/$reindex?cursor=nonsense', { method: 'POST' })).status).toBe(400);
    expect((await s.fhir('sp-a', '/$reindex')).status).toBe(405);
  });
});

describe('a SearchParameter of the shared set', () => {
  it('applies to every tenant', async () => {
    const res = await s.request('/shared/fhir/SearchParameter/nickname', {
      method: 'PUT',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/fhir+json' },
      body: JSON.stringify(param('nickname', { type: 'string', expression: 'Patient.name.where(use = \'nickname\').given' })),
    });
    expect(res.status, await res.clone().text()).toBe(201);
    const nick = (given: string) => ({ resourceType: 'Patient', name: [{ use: 'nickname', given: [given] }] });
    const a = await create('sp-a', nick('Bubbles'));
    const b = await create('sp-b', nick('Bubbles'));
    expect(await ids('sp-a', 'nickname=bubb')).toEqual([a]);
    expect(await ids('sp-b', 'nickname=bubb')).toEqual([b]);
    // A tenant cannot take the code of a shared parameter.
    const clash = await put('sp-b', '/SearchParameter/nick2', param('nickname', { id: 'nick2', type: 'string', expression: 'Patient.name.given' }));
    expect(clash.status).toBe(400);
    expect(JSON.stringify(await clash.json())).toContain('already used on Patient by shared SearchParameter/nickname');
  });
});

describe('invalid SearchParameters are refused with the reason', () => {
  const cases: [string, object, string][] = [
    ['a bad expression', { expression: 'Patient.name.(' }, 'is not FHIRPath'],
    ['an unknown base', { base: ['Patinet'] }, 'Code \\"Patinet\\" is not in the required value set'],
    ['an element the base does not have', { expression: 'Patient.nmae.given' }, 'Patient has no element \\"nmae\\"'],
    ['a base the expression does not apply to', { expression: 'Observation.code' }, 'no part that applies to Patient'],
    ['a collision with an R4 parameter', { code: 'name', type: 'string', expression: 'Patient.name.given' }, 'already an R4 search parameter of Patient'],
    ['a _-prefixed code', { code: '_colour' }, 'SearchParameter.code must be'],
    ['an unsupported type', { type: 'composite' }, 'is not supported'],
    ['a costly function', { expression: 'Patient.descendants().where(url = \'x\')' }, 'may not call descendants()'],
    ['a regular expression', { expression: 'Patient.name.given.where($this.matches(\'(a+)+$\'))' }, 'may not call matches()'],
    ['a too long expression', { expression: `Patient.name.given${' | Patient.name.given'.repeat(20)}` }, 'at most 256 characters'],
  ];
  for (const [what, change, reason] of cases) {
    it(what, async () => {
      const res = await put('sp-a', '/SearchParameter/bad', param('bad', change));
      const body = await res.text();
      expect(res.status, body).toBe(400);
      expect(body).toContain(reason);
    });
  }

  it('a draft is stored without being used', async () => {
    expect((await put('sp-a', '/SearchParameter/drafty', param('drafty', { status: 'draft' }))).status).toBe(201);
    expect((await s.fhir('sp-a', '/Patient?drafty=blue', strict)).status).toBe(400);
  });
});
