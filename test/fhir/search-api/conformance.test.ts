import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BASE, startTestServer, type TestServer } from '../../helpers/app.js';

/*
 * Search-side findings of an external R4 conformance suite (issue 14, item 9), each to R4; where
 * R4 leaves a choice, as HAPI does (README: Search).
 */
let s: TestServer;
const T = 'conf';
const OTHER = 'conf-other';

const put = async (resource: { resourceType: string; id: string } & Record<string, unknown>, tenant = T) => {
  const res = await s.fhir(tenant, `/${resource.resourceType}/${resource.id}`, { method: 'PUT', json: resource });
  if (res.status >= 300) throw new Error(`${res.status} ${await res.text()}`);
};

async function found(query: string, tenant = T, headers?: Record<string, string>): Promise<string[]> {
  const res = await s.fhir(tenant, query, { headers });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`${query}: ${res.status} ${text}`);
  const bundle = JSON.parse(text) as { entry?: { search: { mode: string }; resource: { resourceType: string; id: string } }[] };
  return (bundle.entry ?? []).filter((e) => e.search.mode !== 'outcome').map((e) => `${e.resource.resourceType}/${e.resource.id}`).sort();
}

const status = async (query: string, headers?: Record<string, string>) => (await s.fhir(T, query, { headers })).status;
const STRICT = { prefer: 'handling=strict' };
const ucum = 'http://unitsofmeasure.org';
const bp = (value: number) => ({
  code: { coding: [{ system: 'http://loinc.org', code: '85354-9' }] },
  component: [
    { code: { coding: [{ system: 'http://loinc.org', code: '8480-6' }] }, valueQuantity: { value, unit: 'mmHg', system: ucum, code: 'mm[Hg]' } },
    { code: { coding: [{ system: 'http://loinc.org', code: '8462-4' }] }, valueQuantity: { value: 80, unit: 'mmHg', system: ucum, code: 'mm[Hg]' } },
  ],
});

beforeAll(async () => {
  s = await startTestServer();
  await s.createTenants(T, OTHER);
  await put({ resourceType: 'Organization', id: 'org', name: 'Org' });
  await put({ resourceType: 'Patient', id: 'pat', managingOrganization: { reference: 'Organization/org' }, meta: { tag: [{ system: 'http://tags', code: 'a' }] } });
  await put({ resourceType: 'Patient', id: 'pat2' });
  await put({ resourceType: 'Encounter', id: 'enc', status: 'finished', class: { code: 'AMB' }, subject: { reference: 'Patient/pat' } });
  await put({ resourceType: 'Observation', id: 'obs', status: 'final', ...bp(120), subject: { reference: 'Patient/pat' }, encounter: { reference: 'Encounter/enc' }, valueQuantity: { value: 100, system: ucum, code: 'mg' } });
  await put({ resourceType: 'Observation', id: 'obs2', status: 'final', ...bp(95), subject: { reference: 'http://elsewhere.example/fhir/Patient/pat' }, valueQuantity: { value: 111, system: ucum, code: 'mg' } });
  await put({ resourceType: 'Observation', id: 'obs3', status: 'final', code: { text: 'x' }, valueQuantity: { value: 91, system: ucum, code: 'mg' } });
  await put({ resourceType: 'Provenance', id: 'prov', target: [{ reference: 'Observation/obs' }], recorded: '2021-01-01T00:00:00Z', agent: [{ who: { reference: 'Organization/org' } }] });
  await put({ resourceType: 'ValueSet', id: 'vs-url', status: 'active', url: 'http://example.org/fhir/ValueSet/a' });
  await put({ resourceType: 'ValueSet', id: 'vs-child', status: 'active', url: 'http://example.org/fhir/ValueSet/a/b' });
  await put({ resourceType: 'ValueSet', id: 'vs-sibling', status: 'active', url: 'http://example.org/fhir/ValueSet/ab' });
  await put({ resourceType: 'ValueSet', id: 'vs-urn', status: 'active', url: 'urn:oid:1.2.3.4' });
  await put({ resourceType: 'Patient', id: 'other' }, OTHER);
});
afterAll(() => s.close());

describe('item 9: search conformance', () => {
  it('bare _include=* and _revinclude=*', async () => {
    expect(await found('/Observation?_id=obs&_include=*')).toEqual(['Encounter/enc', 'Observation/obs', 'Patient/pat']);
    expect(await found('/Patient?_id=pat&_revinclude=*')).toEqual(['Encounter/enc', 'Observation/obs', 'Patient/pat']);
    expect(await found('/Observation?_id=obs&_revinclude=*')).toEqual(['Observation/obs', 'Provenance/prov']);
  });

  it('nested _has, two levels', async () => {
    expect(await found('/Patient?_has:Observation:subject:_has:Provenance:target:agent=Organization/org')).toEqual(['Patient/pat']);
    expect(await found('/Patient?_has:Observation:subject:_has:Provenance:target:agent=Organization/nobody')).toEqual([]);
    // Checked per candidate (another clause drives), and with an innermost clause that cannot drive.
    expect(await found('/Patient?_id=pat,pat2&_has:Observation:patient:_has:Provenance:target:agent=Organization/org')).toEqual(['Patient/pat']);
    expect(await found('/Patient?_has:Observation:subject:_has:Provenance:target:agent:missing=false')).toEqual(['Patient/pat']);
    expect(await found('/Encounter?_has:Observation:encounter:_has:Provenance:target:_id=prov')).toEqual(['Encounter/enc']);
  });

  it('stacked modifiers and parameters not common to every _type are 400', async () => {
    expect(await status('/Patient?name:exact:contains=x')).toBe(400);
    expect(await status('/?_type=Patient,Observation&gender=male')).toBe(400);
    expect(await status('/?_type=Patient,Organization&name=Org')).toBe(200);
  });

  it('url:below matches below a URL path, never URNs', async () => {
    expect(await found('/ValueSet?url:below=http://example.org/fhir/ValueSet/a')).toEqual(['ValueSet/vs-child', 'ValueSet/vs-url']);
    expect(await found('/ValueSet?url:below=urn:oid:1.2')).toEqual([]);
    expect(await found('/ValueSet?url:below=urn:oid:1.2.3.4')).toEqual(['ValueSet/vs-urn']);
  });

  it('invalid _tag, _security, _source, _profile values: 400 strict, ignored lenient', async () => {
    for (const q of ['_tag=http://tags|a%20%20b', '_security=sys%20tem|x', '_source=not%20a%20uri', '_profile=no%20spaces%20allowed', '_profile=relative/only']) {
      expect(await status(`/Patient?${q}`, STRICT), q).toBe(400);
      expect(await found(`/Patient?${q}`), q).toEqual(['Patient/pat', 'Patient/pat2']);
    }
    expect(await found('/Patient?_tag=http://tags|a')).toEqual(['Patient/pat']);
  });

  it('a reference given as an absolute URL on this server\'s base', async () => {
    expect(await found(`/Observation?subject:Patient=${BASE}/fhir/Patient/pat`)).toEqual(['Observation/obs']);
    expect(await found(`/Observation?subject=${BASE}/fhir/Patient/pat`)).toEqual(['Observation/obs']);
    // A foreign absolute URL matches only the resource that holds that absolute reference.
    expect(await found('/Observation?subject=http://elsewhere.example/fhir/Patient/pat')).toEqual(['Observation/obs2']);
    expect(await found('/Observation?subject:Patient=http://elsewhere.example/fhir/Patient/pat')).toEqual(['Observation/obs2']);
    // On the per-tenant base, that base is ours.
    const res = await s.request(`/tenants/${T}/fhir/Observation?subject:Patient=${BASE}/tenants/${T}/fhir/Patient/pat`);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { entry: { resource: { id: string } }[] }).entry.map((e) => e.resource.id)).toEqual(['obs']);
  });

  it('ap is ±10% of the value', async () => {
    expect(await found('/Observation?value-quantity=ap100')).toEqual(['Observation/obs', 'Observation/obs3']);
    expect(await found('/Observation?value-quantity=ap105||mg')).toEqual(['Observation/obs', 'Observation/obs2']);
  });

  it('comparator prefixes inside composite values', async () => {
    expect(await found('/Observation?component-code-value-quantity=http://loinc.org|8480-6$gt100')).toEqual(['Observation/obs']);
    expect(await found('/Observation?component-code-value-quantity=http://loinc.org|8480-6$lt100')).toEqual(['Observation/obs2']);
    expect(await found('/Observation?component-code-value-quantity=http://loinc.org|8480-6$120')).toEqual(['Observation/obs']);
    expect(await found(`/Observation?component-code-value-quantity=${encodeURIComponent('http://loinc.org|8480-6$gt100|http://unitsofmeasure.org|mm[Hg]')}`)).toEqual(['Observation/obs']);
    expect(await found('/Observation?component-code-value-quantity=8480-6$ap125')).toEqual(['Observation/obs']);
    expect(await found('/Observation?code-value-quantity=http://loinc.org|85354-9$ge101')).toEqual(['Observation/obs2']);
  });

  it('another tenant finds none of it', async () => {
    expect(await found('/Patient?_revinclude=*&_include=*', OTHER)).toEqual(['Patient/other']);
    expect(await found('/Patient?_has:Observation:subject:_has:Provenance:target:agent=Organization/org', OTHER)).toEqual([]);
    expect(await found('/Observation?component-code-value-quantity=http://loinc.org|8480-6$gt100', OTHER)).toEqual([]);
  });
});
