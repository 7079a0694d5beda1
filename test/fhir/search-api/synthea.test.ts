import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BASE, startTestServer, type TestServer } from '../../helpers/app.js';
import { resolvedResources, syntheaFiles, type Resource } from '../../fixtures/synthea.js';

/*
 * Realistic searches over Synthea patients, each checked against an oracle computed in JS from
 * the same bundles. Tenant a holds Mosciski and Anderson, tenant b holds Mosciski (same ids) and
 * Abbott: every answer must count only the caller's copy.
 */
let s: TestServer;
const files = syntheaFiles();
/** The patient of the fixture file named `name`: a clear failure if SYNTHEA_DIR points at data without it. */
function patientFile(name: string): Resource[] {
  const file = files.find((f) => f.includes(name));
  if (!file) throw new Error(`no Synthea bundle named ${name} among ${files.length} files`);
  return resolvedResources(file);
}
const mosciski = patientFile('Matt_Mosciski');
const anderson = patientFile('Antony_Anderson');
const abbott = patientFile('Geoffrey_Abbott');
const patientOf = (rs: Resource[]) => rs.find((r) => r.resourceType === 'Patient')!;

async function load(tenant: string, resources: Resource[]) {
  for (const r of resources) {
    const res = await s.fhir(tenant, `/${r.resourceType}/${r.id}`, { method: 'PUT', json: r, headers: { prefer: 'return=minimal' } });
    if (res.status >= 300) throw new Error(`${r.resourceType}/${r.id}: ${res.status} ${await res.text()}`);
  }
}

async function search(tenant: string, query: string) {
  const res = await s.fhir(tenant, query);
  const body = await res.json();
  if (res.status !== 200) throw new Error(`${query}: ${res.status} ${JSON.stringify(body)}`);
  return body as { total?: number; entry?: { search: { mode: string }; resource: Resource }[]; link: { relation: string; url: string }[] };
}
const matchIds = (b: Awaited<ReturnType<typeof search>>) => (b.entry ?? []).filter((e) => e.search.mode === 'match').map((e) => e.resource.id);

const refersTo = (r: Resource, field: string, patientId: string) => (r[field] as { reference?: string } | undefined)?.reference === `Patient/${patientId}`;
const codes = (r: Resource) => ((r.code as { coding?: { code: string }[] } | undefined)?.coding ?? []).map((c) => c.code);

beforeAll(async () => {
  s = await startTestServer({ MAX_COUNT: '2000' });
  await s.createTenants('syn-a', 'syn-b');
  await load('syn-a', mosciski);
  await load('syn-a', anderson);
  await load('syn-b', mosciski);
  await load('syn-b', abbott);
}, 300_000);
afterAll(() => s.close());

describe('realistic searches, against an oracle', () => {
  const pid = patientOf(mosciski).id;

  it('Observations of a patient by code and date range', async () => {
    const expected = mosciski.filter((r) => r.resourceType === 'Observation' && refersTo(r, 'subject', pid) && codes(r).includes('8302-2')
      && Date.parse(r.effectiveDateTime as string) >= Date.parse('2015-01-01T00:00:00Z') && Date.parse(r.effectiveDateTime as string) < Date.parse('2020-01-01T00:00:00Z'));
    expect(expected.length).toBeGreaterThan(0);
    const b = await search('syn-a', `/Observation?patient=${pid}&code=http://loinc.org|8302-2&date=ge2015-01-01&date=lt2020-01-01&_total=accurate`);
    expect(b.total).toBe(expected.length);
    expect(matchIds(b).sort()).toEqual(expected.map((r) => r.id).sort());
  });

  it('Encounters by class, Conditions by clinical status', async () => {
    const amb = mosciski.filter((r) => r.resourceType === 'Encounter' && (r.class as { code: string }).code === 'AMB');
    expect((await search('syn-a', `/Encounter?patient=${pid}&class=AMB&_summary=count`)).total).toBe(amb.length);
    const active = mosciski.filter((r) => r.resourceType === 'Condition' && (r.clinicalStatus as { coding: { code: string }[] }).coding[0]!.code === 'active');
    expect((await search('syn-a', `/Condition?patient=${pid}&clinical-status=active&_summary=count`)).total).toBe(active.length);
  });

  it('chains through subject to the patient name', async () => {
    const family = (patientOf(mosciski).name as { family: string }[])[0]!.family;
    const expected = mosciski.filter((r) => r.resourceType === 'Observation').length;
    expect((await search('syn-a', `/Observation?subject:Patient.name=${family}&_summary=count`)).total).toBe(expected);
    expect((await search('syn-a', `/Observation?subject.family=${family.toLowerCase()}&_summary=count`)).total).toBe(expected);
  });

  it('sorts Encounters by date, newest first', async () => {
    const expected = mosciski.filter((r) => r.resourceType === 'Encounter')
      .sort((x, y) => Date.parse((y.period as { end: string }).end) - Date.parse((x.period as { end: string }).end)).slice(0, 5).map((r) => r.id);
    const b = await search('syn-a', `/Encounter?patient=${pid}&_sort=-date&_count=5`);
    expect(matchIds(b)).toEqual(expected);
  });

  it('includes the results of DiagnosticReports, and reverse-includes Encounters of a patient', async () => {
    const reports = mosciski.filter((r) => r.resourceType === 'DiagnosticReport');
    const results = new Set(reports.flatMap((r) => ((r.result as { reference: string }[] | undefined) ?? []).map((x) => x.reference)));
    const b = await search('syn-a', `/DiagnosticReport?patient=${pid}&_include=DiagnosticReport:result&_count=1000`);
    expect(matchIds(b).length).toBe(reports.length);
    expect(b.entry!.filter((e) => e.search.mode === 'include').length).toBe(results.size);
    const rev = await search('syn-a', `/Patient?_id=${pid}&_revinclude=Encounter:patient&_count=1000`);
    expect(rev.entry!.length).toBe(1 + mosciski.filter((r) => r.resourceType === 'Encounter').length);
  });

  it('finds patients by _has', async () => {
    const measured = [mosciski, anderson].filter((rs) => rs.some((r) => r.resourceType === 'Observation' && codes(r).includes('8302-2')));
    expect(measured.length).toBeGreaterThan(0);
    const b = await search('syn-a', '/Patient?_has:Observation:patient:code=8302-2');
    expect(matchIds(b).sort()).toEqual(measured.map((rs) => patientOf(rs).id).sort());
  });
});

describe('the same searches from another tenant', () => {
  const pid = patientOf(mosciski).id;
  const abbottFamily = (patientOf(abbott).name as { family: string }[])[0]!.family;

  it('count only the caller\'s copy of shared ids', async () => {
    const family = (patientOf(mosciski).name as { family: string }[])[0]!.family;
    const n = mosciski.filter((r) => r.resourceType === 'Observation').length;
    for (const tenant of ['syn-a', 'syn-b']) {
      expect((await search(tenant, `/Observation?patient=${pid}&_summary=count`)).total).toBe(n);
      expect((await search(tenant, `/Observation?subject.name=${family}&_summary=count`)).total).toBe(n);
    }
  });

  it('never reach the other tenant through chain, _has, include, revinclude or compartment', async () => {
    const abbottId = patientOf(abbott).id;
    expect((await search('syn-a', `/Observation?subject.name=${abbottFamily}&_summary=count`)).total).toBe(0);
    expect(matchIds(await search('syn-a', `/Patient?_has:Observation:patient:code=8302-2&name=${abbottFamily}`))).toEqual([]);
    expect((await search('syn-a', `/Observation?patient=${abbottId}&_summary=count`)).total).toBe(0);
    expect((await search('syn-a', `/Patient/${abbottId}/Observation?_summary=count`)).total).toBe(0);
    const rev = await search('syn-a', `/Patient?_id=${abbottId}&_revinclude=Observation:patient`);
    expect(rev.entry ?? []).toEqual([]);
    const inc = await search('syn-a', `/Observation?patient=${pid}&_include=Observation:patient&_count=1`);
    expect(inc.entry!.filter((e) => e.search.mode === 'include').map((e) => e.resource.id)).toEqual([pid]);
  });

  it('never return the first tenant\'s page when another tenant follows its paging link', async () => {
    const abbottId = patientOf(abbott).id;
    const b = await search('syn-b', `/Observation?patient=${abbottId}&_count=5`);
    const next = b.link.find((l) => l.relation === 'next')!.url;
    // The cursor is bound to the tenant: refused before any row is read.
    const replay = await s.fhir('syn-a', next.slice(`${BASE}/fhir`.length));
    expect(replay.status).toBe(400);
    const oo = await replay.json();
    expect(oo.resourceType).toBe('OperationOutcome');
    expect(oo.entry).toBeUndefined();
    const own = await search('syn-b', next.slice(`${BASE}/fhir`.length));
    expect(matchIds(own)).toHaveLength(5);
  });

  it('conditional operations of one tenant never match the other tenant\'s resources', async () => {
    const abbottMrn = (patientOf(abbott).identifier as { system: string; value: string }[])[1]!;
    const criteria = `identifier=${encodeURIComponent(`${abbottMrn.system}|${abbottMrn.value}`)}`;
    expect((await s.fhir('syn-a', `/Patient?${criteria}`, { method: 'DELETE' })).status).toBe(404);
    const created = await s.fhir('syn-a', '/Patient', { json: { resourceType: 'Patient', identifier: [abbottMrn] }, headers: { 'if-none-exist': criteria } });
    expect(created.status).toBe(201);
    expect((await search('syn-b', `/Patient?${criteria}&_summary=count`)).total).toBe(1);
  });
});
