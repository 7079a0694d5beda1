import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BASE, startTestServer, type TestServer } from '../../helpers/app.js';

/* Every parameter type, modifier and prefix: resources that must match and ones that must not. */
let s: TestServer;
const T = 'params';

const put = async (resource: { resourceType: string; id: string } & Record<string, unknown>) => {
  const res = await s.fhir(T, `/${resource.resourceType}/${resource.id}`, { method: 'PUT', json: resource });
  if (res.status >= 300) throw new Error(`${res.status} ${await res.text()}`);
};

/** Ids of the matches (search.mode match) of a search, sorted unless `ordered`. */
async function ids(query: string, ordered = false): Promise<string[]> {
  const res = await s.fhir(T, query);
  const text = await res.text();
  if (res.status !== 200) throw new Error(`${query}: ${res.status} ${text}`);
  const bundle = JSON.parse(text);
  const out = (bundle.entry ?? []).filter((e: { search: { mode: string } }) => e.search.mode === 'match').map((e: { resource: { id: string } }) => e.resource.id);
  return ordered ? out : out.sort();
}

const MR = { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'MR' }] };
const ucum = 'http://unitsofmeasure.org';

beforeAll(async () => {
  s = await startTestServer();
  await s.createTenants(T);
  await put({ resourceType: 'Organization', id: 'org1', name: 'Acme Clinic' });
  await put({
    resourceType: 'Patient', id: 'p1', name: [{ family: 'Müller', given: ['Anna'] }], gender: 'female', birthDate: '1980-03-15',
    identifier: [{ system: 'http://mrn', value: 'A1', type: MR }, { system: 'http://esc', value: 'A,B' }], active: true,
    address: [{ city: 'Berlin' }], managingOrganization: { reference: 'Organization/org1' },
    meta: { tag: [{ system: 'http://tags', code: 'vip' }], profile: ['http://example.org/StructureDefinition/p'], source: 'http://src/a', security: [{ system: 'http://sec', code: 'R' }] },
  });
  await put({ resourceType: 'Patient', id: 'p2', name: [{ family: 'Mueller', given: ['Bob'] }], gender: 'male', birthDate: '1980', identifier: [{ system: 'http://other', value: 'A1' }] });
  await put({ resourceType: 'Patient', id: 'p3', name: [{ family: 'Smith' }], gender: 'unknown', birthDate: '1990-06-01' });
  const bp = { coding: [{ system: 'http://loinc.org', code: '8480-6', display: 'Systolic blood pressure' }], text: 'Systolic BP' };
  await put({ resourceType: 'Observation', id: 'o1', status: 'final', code: bp, subject: { reference: 'Patient/p1' }, effectiveDateTime: '2021-05-01T10:00:00Z', valueQuantity: { value: 120, unit: 'mmHg', system: ucum, code: 'mm[Hg]' } });
  await put({ resourceType: 'Observation', id: 'o2', status: 'final', code: { coding: [{ system: 'http://loinc.org', code: '2339-0' }] }, subject: { reference: 'Patient/p2' }, effectivePeriod: { start: '2021-05-01', end: '2021-05-03' }, valueQuantity: { value: 7.5, system: ucum, code: 'mmol/L' } });
  await put({ resourceType: 'Observation', id: 'o3', status: 'preliminary', code: { text: 'free text only' } });
  await put({ resourceType: 'Observation', id: 'o4', status: 'final', code: bp, subject: { identifier: { system: 'http://mrn', value: 'A1' } }, valueQuantity: { value: 95, system: ucum, code: 'mm[Hg]' } });
  await put({ resourceType: 'RiskAssessment', id: 'ra1', status: 'final', subject: { reference: 'Patient/p1' }, prediction: [{ probabilityDecimal: 0.2 }] });
  await put({ resourceType: 'RiskAssessment', id: 'ra2', status: 'final', subject: { reference: 'Patient/p1' }, prediction: [{ probabilityDecimal: 0.25 }] });
  await put({ resourceType: 'RiskAssessment', id: 'ra3', status: 'final', subject: { reference: 'Patient/p2' }, prediction: [{ probabilityDecimal: 100 }] });
  await put({ resourceType: 'ValueSet', id: 'vs1', status: 'active', url: 'http://example.org/fhir/ValueSet/a' });
  await put({ resourceType: 'ValueSet', id: 'vs2', status: 'active', url: 'http://example.org/fhir/ValueSet/a/b' });
});
afterAll(() => s.close());

describe('string', () => {
  it.each([
    ['/Patient?name=mul', ['p1']],
    ['/Patient?name=MÜL', ['p1']],
    ['/Patient?name=mu', ['p1', 'p2']],
    ['/Patient?name=anna', ['p1']],
    ['/Patient?family=smi', ['p3']],
    ['/Patient?name:exact=Müller', ['p1']],
    ['/Patient?name:exact=müller', []],
    ['/Patient?name:contains=ll', ['p1', 'p2']],
    ['/Patient?address-city=berl', ['p1']],
    ['/Patient?name=mul,smith', ['p1', 'p3']],
    ['/Patient?name=mu&name=bob', ['p2']],
  ])('%s', async (q, expected) => expect(await ids(q)).toEqual(expected));
});

describe('token', () => {
  it.each([
    ['/Patient?gender=male', ['p2']],
    ['/Patient?gender:not=male', ['p1', 'p3']],
    ['/Patient?identifier=A1', ['p1', 'p2']],
    ['/Patient?identifier=http://mrn|A1', ['p1']],
    ['/Patient?identifier=|A1', []],
    ['/Patient?identifier=http://other|', ['p2']],
    ['/Patient?identifier:of-type=http://terminology.hl7.org/CodeSystem/v2-0203|MR|A1', ['p1']],
    ['/Patient?identifier=http://esc|A\\,B', ['p1']],
    ['/Patient?active=true', ['p1']],
    ['/Patient?active:missing=true', ['p2', 'p3']],
    ['/Observation?code=8480-6', ['o1', 'o4']],
    ['/Observation?code:text=systolic', ['o1', 'o4']],
    ['/Observation?code:text=free', ['o3']],
    ['/Observation?status=final,preliminary', ['o1', 'o2', 'o3', 'o4']],
    ['/Patient?_tag=http://tags|vip', ['p1']],
    ['/Patient?_security=http://sec|R', ['p1']],
  ])('%s', async (q, expected) => expect(await ids(q)).toEqual(expected));
});

describe('date', () => {
  it.each([
    ['/Patient?birthdate=1980', ['p1', 'p2']],
    ['/Patient?birthdate=1980-03', ['p1']],
    ['/Patient?birthdate=1980-03-15', ['p1']],
    ['/Patient?birthdate=ge1980-03-15', ['p1', 'p2', 'p3']],
    ['/Patient?birthdate=gt1980-03-15', ['p2', 'p3']],
    ['/Patient?birthdate=lt1980-03-15', ['p2']],
    ['/Patient?birthdate=le1980-03-15', ['p1', 'p2']],
    ['/Patient?birthdate=sa1980', ['p3']],
    ['/Patient?birthdate=eb1990', ['p1', 'p2']],
    ['/Patient?birthdate=ne1980', ['p3']],
    ['/Patient?birthdate=ap1980-03-14', ['p1', 'p2']],
    ['/Patient?birthdate=ge1980&birthdate=lt1985', ['p1', 'p2']],
    ['/Observation?date=2021-05-02', ['o2'].filter(() => false)],
    ['/Observation?date=ge2021-05-02', ['o2']],
    ['/Observation?date=2021-05', ['o1', 'o2']],
    ['/Observation?date=2021-05-01T10:00:00Z', ['o1']],
    ['/Observation?date=2021-05-01T10:00:00%2B02:00', []],
    ['/Observation?date=2021-05-01T12:00:00%2B02:00', ['o1']],
    ['/Patient?_lastUpdated=gt2000-01-01', ['p1', 'p2', 'p3']],
    ['/Patient?_lastUpdated=lt2000-01-01', []],
  ])('%s', async (q, expected) => expect(await ids(q)).toEqual(expected));
});

describe('number and quantity', () => {
  it.each([
    ['/RiskAssessment?probability=0.2', ['ra1']],
    ['/RiskAssessment?probability=0.25', ['ra2']],
    ['/RiskAssessment?probability=gt0.2', ['ra2', 'ra3']],
    ['/RiskAssessment?probability=le0.25', ['ra1', 'ra2']],
    ['/RiskAssessment?probability=100', ['ra3']],
    ['/RiskAssessment?probability=1e2', ['ra3']],
    ['/RiskAssessment?probability=ap100', ['ra3']],
    ['/RiskAssessment?probability=ne0.2', ['ra2', 'ra3']],
    ['/Observation?value-quantity=120', ['o1']],
    ['/Observation?value-quantity=gt100', ['o1']],
    ['/Observation?value-quantity=lt10|http://unitsofmeasure.org|mmol/L', ['o2']],
    ['/Observation?value-quantity=120||mm[Hg]', ['o1']],
    ['/Observation?value-quantity=120||mmol/L', []],
    ['/Observation?value-quantity=ap110', ['o1']],
    ['/Observation?value-quantity=ge95||mm[Hg]', ['o1', 'o4']],
  ])('%s', async (q, expected) => expect(await ids(q)).toEqual(expected));
});

describe('reference', () => {
  it.each([
    ['/Observation?subject=Patient/p1', ['o1']],
    ['/Observation?subject=p1', ['o1']],
    ['/Observation?patient=p1', ['o1']],
    ['/Observation?subject:Patient=p1', ['o1']],
    [`/Observation?subject=${BASE}/fhir/Patient/p1`, ['o1']],
    ['/Observation?subject:missing=true', ['o3']],
    ['/Observation?subject:identifier=http://mrn|A1', ['o4']],
    ['/Patient?organization=Organization/org1', ['p1']],
  ])('%s', async (q, expected) => expect(await ids(q)).toEqual(expected));
});

describe('uri, composite and common parameters', () => {
  it.each([
    ['/ValueSet?url=http://example.org/fhir/ValueSet/a', ['vs1']],
    ['/ValueSet?url:below=http://example.org/fhir/ValueSet/', ['vs1', 'vs2']],
    ['/ValueSet?url:above=http://example.org/fhir/ValueSet/a/b/c', ['vs1', 'vs2']],
    ['/Observation?code-value-quantity=http://loinc.org|8480-6$gt100', ['o1']],
    ['/Observation?code-value-quantity=http://loinc.org|8480-6$lt100', ['o4']],
    ['/Observation?code-value-quantity=http://loinc.org|2339-0$gt100', []],
    ['/Patient?_id=p1,p3', ['p1', 'p3']],
    ['/Patient?_profile=http://example.org/StructureDefinition/p', ['p1']],
    ['/Patient?_source=http://src/a', ['p1']],
  ])('%s', async (q, expected) => expect(await ids(q)).toEqual(expected));
});

describe('chaining and reverse chaining', () => {
  it.each([
    ['/Observation?subject:Patient.name=mul', ['o1']],
    ['/Observation?subject.name=mue', ['o2']],
    ['/Observation?subject:Patient.organization.name=acme', ['o1']],
    ['/Observation?subject:Patient.organization.name=other', []],
    ['/RiskAssessment?subject:Patient.gender=male', ['ra3']],
    ['/Patient?_has:Observation:patient:code=8480-6', ['p1']],
    ['/Patient?_has:RiskAssessment:subject:probability=gt0.5', ['p2']],
    ['/Organization?_has:Patient:organization:_has:Observation:patient:code=8480-6', ['org1']],
    ['/Organization?_has:Patient:organization:_has:Observation:patient:code=2339-0', []],
  ])('%s', async (q, expected) => expect(await ids(q)).toEqual(expected));
});

describe('result control', () => {
  it('includes and revincludes, with :iterate and *', async () => {
    const bundle = async (q: string) => {
      const b = await (await s.fhir(T, q)).json();
      return (b.entry ?? []).map((e: { search: { mode: string }; resource: { resourceType: string; id: string } }) => `${e.search.mode}:${e.resource.resourceType}/${e.resource.id}`).sort();
    };
    expect(await bundle('/Observation?_id=o1&_include=Observation:subject')).toEqual(['include:Patient/p1', 'match:Observation/o1']);
    expect(await bundle('/Observation?_id=o1&_include=Observation:subject:Group')).toEqual(['match:Observation/o1']);
    expect(await bundle('/Observation?_id=o1&_include=Observation:*')).toEqual(['include:Patient/p1', 'match:Observation/o1']);
    expect(await bundle('/Observation?_id=o1&_include=Observation:subject&_include:iterate=Patient:organization'))
      .toEqual(['include:Organization/org1', 'include:Patient/p1', 'match:Observation/o1']);
    expect(await bundle('/Patient?_id=p1&_revinclude=RiskAssessment:subject')).toEqual(['include:RiskAssessment/ra1', 'include:RiskAssessment/ra2', 'match:Patient/p1']);
    expect(await bundle('/Organization?_id=org1&_revinclude=Patient:organization&_revinclude:iterate=Observation:patient'))
      .toEqual(['include:Observation/o1', 'include:Patient/p1', 'match:Organization/org1']);
  });

  it('sorts by parameters, _id and _lastUpdated, ascending and descending', async () => {
    expect(await ids('/Patient?_sort=birthdate', true)).toEqual(['p2', 'p1', 'p3']);
    // Descending sorts by the upper end of each value's range: 1980 (a whole year) ends after 1980-03-15.
    expect(await ids('/Patient?_sort=-birthdate', true)).toEqual(['p3', 'p2', 'p1']);
    expect(await ids('/Patient?_sort=family,-_id', true)).toEqual(['p2', 'p1', 'p3']);
    expect(await ids('/Patient?_sort=-_id', true)).toEqual(['p3', 'p2', 'p1']);
    expect(await ids('/RiskAssessment?_sort=-probability', true)).toEqual(['ra3', 'ra2', 'ra1']);
  });

  it('pages with working next/previous links, and totals', async () => {
    const first = await (await s.fhir(T, '/Patient?_sort=_id&_count=2&_total=accurate')).json();
    expect(first.total).toBe(3);
    expect(first.entry.map((e: { resource: { id: string } }) => e.resource.id)).toEqual(['p1', 'p2']);
    const next = first.link.find((l: { relation: string }) => l.relation === 'next').url as string;
    expect(next.startsWith(`${BASE}/fhir/Patient?`)).toBe(true);
    const second = await (await s.fhir(T, next.slice(`${BASE}/fhir`.length))).json();
    expect(second.entry.map((e: { resource: { id: string } }) => e.resource.id)).toEqual(['p3']);
    expect(second.link.some((l: { relation: string }) => l.relation === 'next')).toBe(false);
    expect(second.link.some((l: { relation: string }) => l.relation === 'previous')).toBe(true);
    expect(second.total).toBe(3); // the last page knows its total for free
    const none = await (await s.fhir(T, '/Patient?_total=none')).json();
    expect(none.total).toBeUndefined();
  });

  it('answers _summary=count, _summary=true, _summary=data and _elements', async () => {
    const count = await (await s.fhir(T, '/Patient?_summary=count')).json();
    expect(count.total).toBe(3);
    expect(count).not.toHaveProperty("entry");
    const summary = await (await s.fhir(T, '/Patient?_id=p1&_summary=true')).json();
    const p1 = summary.entry[0].resource;
    expect(p1.name).toEqual([{ family: 'Müller', given: ['Anna'] }]);
    expect(p1.meta.tag.some((t: { code: string }) => t.code === 'SUBSETTED')).toBe(true);
    const data = await (await s.fhir(T, '/Patient?_id=p1&_summary=data')).json();
    expect(data.entry[0].resource.text).toBeUndefined();
    const elements = await (await s.fhir(T, '/Patient?_id=p1&_elements=gender')).json();
    expect(Object.keys(elements.entry[0].resource).sort()).toEqual(['gender', 'id', 'meta', 'resourceType']);
  });

  it('searches by POST _search, at system level, and in the Patient compartment', async () => {
    const post = await s.fhir(T, '/Patient/_search', { method: 'POST', body: 'gender=male', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect((await post.json()).entry.map((e: { resource: { id: string } }) => e.resource.id)).toEqual(['p2']);
    const system = await (await s.fhir(T, '/?_type=Patient,Organization&_id=p1,org1')).json();
    expect(system.entry.map((e: { resource: { id: string } }) => e.resource.id).sort()).toEqual(['org1', 'p1']);
    expect(await ids('/Patient/p1/Observation')).toEqual(['o1']);
    expect(await ids('/Patient/p1/RiskAssessment?probability=0.25')).toEqual(['ra2']);
    expect((await s.fhir(T, '/Patient/p1/Organization')).status).toBe(404);
  });

  it('reports unknown parameters as a warning, or 400 with Prefer: handling=strict', async () => {
    const b = await (await s.fhir(T, '/Patient?gender=male&nonsense=1')).json();
    expect(b.entry.map((e: { search: { mode: string } }) => e.search.mode)).toEqual(['match', 'outcome']);
    expect(b.entry[1].resource.issue[0].diagnostics).toContain('nonsense');
    expect((await s.fhir(T, '/Patient?nonsense=1', { headers: { prefer: 'handling=strict' } })).status).toBe(400);
  });

  it.each([
    '/Patient?birthdate=notadate', '/Patient?birthdate=2020-13', '/Patient?birthdate=xx2020', '/RiskAssessment?probability=abc',
    '/Patient?gender:foo=x', '/Patient?_sort=nonsense', '/Patient?_count=-1', '/Patient?_include=Nonsense:x',
    '/Patient?_has:Observation:nothing:code=1', '/Observation?subject.nonsense=1', '/Patient?_summary=maybe',
    '/Observation?code-value-quantity=8480-6', '/Patient?name=', '/?_type=NotAType',
  ])('refuses %s with 400 naming the problem', async (q) => {
    const res = await s.fhir(T, q);
    expect(res.status).toBe(400);
    const oo = await res.json();
    expect(oo.resourceType).toBe('OperationOutcome');
  });
});

describe('conditional operations', () => {
  it('creates only when nothing matches (If-None-Exist)', async () => {
    const body = { resourceType: 'Patient', identifier: [{ system: 'http://cond', value: 'c1' }] };
    const first = await s.fhir(T, '/Patient', { json: body, headers: { 'if-none-exist': 'identifier=http://cond|c1' } });
    expect(first.status).toBe(201);
    const again = await s.fhir(T, '/Patient', { json: body, headers: { 'if-none-exist': 'identifier=http://cond|c1' } });
    expect(again.status).toBe(200);
    expect((await again.json()).id).toBe((await first.json()).id);
    expect((await s.fhir(T, '/Patient', { json: body, headers: { 'if-none-exist': 'identifier=A1' } })).status).toBe(412);
    expect((await s.fhir(T, '/Patient', { json: body, headers: { 'if-none-exist': 'bogus=1' } })).status).toBe(400);
  });

  it('updates the one match, creates on none, refuses several (conditional update)', async () => {
    const upd = await s.fhir(T, '/Patient?identifier=http://cond|c1', { method: 'PUT', json: { resourceType: 'Patient', identifier: [{ system: 'http://cond', value: 'c1' }], active: false } });
    expect(upd.status).toBe(200);
    expect((await upd.json()).meta.versionId).toBe('2');
    const created = await s.fhir(T, '/Patient?identifier=http://cond|c2', { method: 'PUT', json: { resourceType: 'Patient', identifier: [{ system: 'http://cond', value: 'c2' }] } });
    expect(created.status).toBe(201);
    expect((await s.fhir(T, '/Patient?identifier=A1', { method: 'PUT', json: { resourceType: 'Patient' } })).status).toBe(412);
    expect((await s.fhir(T, '/Patient', { method: 'PUT', json: { resourceType: 'Patient' } })).status).toBe(400);
  });

  it('deletes the matches (conditional delete), up to the configured limit', async () => {
    for (const v of ['d1', 'd2']) await s.fhir(T, '/Patient', { json: { resourceType: 'Patient', identifier: [{ system: 'http://del', value: v }] } });
    expect((await s.fhir(T, '/Patient?identifier=http://del|', { method: 'DELETE' })).status).toBe(204);
    expect(await ids('/Patient?identifier=http://del|')).toEqual([]);
    expect((await s.fhir(T, '/Patient?identifier=http://del|', { method: 'DELETE' })).status).toBe(404);
  });
});

describe('CapabilityStatement', () => {
  it('lists every supported search parameter of a type, with type and documentation', async () => {
    const cs = await (await s.fhir(T, '/metadata')).json();
    const obs = cs.rest[0].resource.find((r: { type: string }) => r.type === 'Observation');
    const byName = new Map(obs.searchParam.map((p: { name: string; type: string; documentation: string }) => [p.name, p]));
    for (const name of ['code', 'subject', 'patient', 'date', 'value-quantity', 'code-value-quantity', '_id', '_lastUpdated', '_tag']) {
      expect(byName.has(name), name).toBe(true);
    }
    expect((byName.get('code-value-quantity') as { type: string }).type).toBe('composite');
    expect((byName.get('code') as { documentation: string }).documentation.length).toBeGreaterThan(5);
    expect(byName.has('_text')).toBe(false);
    expect(obs.searchInclude).toContain('Observation:subject');
    expect(cs.rest[0].extension[0].valueString).toContain('_text');
  });
});
