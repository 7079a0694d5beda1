import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, startTestServer, type TestServer } from '../helpers/app.js';

/*
 * $run / $viewdefinition-run over HTTP on both backends, and ViewDefinition as a stored type of
 * the shared set: every answer is computed by PostgreSQL inside the caller's tenant transaction.
 */

let s: TestServer;
const admin = { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/fhir+json' };

const patientView = {
  resourceType: 'ViewDefinition',
  id: 'patient-demographics',
  name: 'patient_demographics',
  status: 'active',
  resource: 'Patient',
  select: [{ column: [{ name: 'id', path: 'getResourceKey()' }, { name: 'gender', path: 'gender' }, { name: 'birth', path: 'birthDate', type: 'date' }] },
    { forEach: 'name', column: [{ name: 'family', path: 'family' }, { name: 'given', path: 'given', collection: true }] }],
};
const orgView = { resourceType: 'ViewDefinition', status: 'active', resource: 'Organization', select: [{ column: [{ name: 'id', path: 'id' }, { name: 'name', path: 'name' }] }] };

const params = (...parameter: object[]) => ({ resourceType: 'Parameters', parameter });
const run = (tenant: string, body: object, query = '', op = '$run') => s.fhir(tenant, `/ViewDefinition/${op}${query}`, { json: body });
const rowsOf = async (res: Response) => {
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as Record<string, unknown>[];
};

beforeAll(async () => {
  s = await startTestServer();
  await s.createTenants('t1', 't2');
  for (const [tenant, family, gender] of [['t1', 'Alpha', 'female'], ['t1', 'Beta', 'male'], ['t2', 'Gamma', 'other']] as const) {
    const res = await s.fhir(tenant, '/Patient', { json: { resourceType: 'Patient', gender, birthDate: '1970-01-02', name: [{ family, given: ['A', 'B'] }] } });
    expect(res.status).toBe(201);
  }
  const put = await s.request('/shared/fhir/ViewDefinition/patient-demographics', { method: 'PUT', headers: admin, body: JSON.stringify(patientView) });
  expect(put.status, await put.clone().text()).toBe(201);
  expect((await s.request('/shared/fhir/Organization/shared-org', { method: 'PUT', headers: admin, body: JSON.stringify({ resourceType: 'Organization', id: 'shared-org', name: 'Shared' }) })).status).toBe(201);
  expect((await s.fhir('t1', '/Organization', { json: { resourceType: 'Organization', name: 'Own' } })).status).toBe(201);
});
afterAll(() => s.close());

describe('ViewDefinition as a stored type', () => {
  it('is written to the shared set with the privileged credential only, and read by anyone', async () => {
    const body = JSON.stringify({ ...patientView, id: 'other' });
    const anon = await s.request('/shared/fhir/ViewDefinition/other', { method: 'PUT', headers: { 'content-type': 'application/fhir+json' }, body });
    expect(anon.status).toBe(403);
    expect((await s.request('/shared/fhir/ViewDefinition/patient-demographics')).status).toBe(200);
    const viaTenant = await s.fhir('t2', '/ViewDefinition/patient-demographics');
    expect(viaTenant.status).toBe(200);
    expect((await viaTenant.json()).resource).toBe('Patient');
  });

  it('is listed by a search, which has no parameters for it', async () => {
    const list = await s.fhir('t1', '/ViewDefinition');
    expect(list.status).toBe(200);
    expect((await list.json()).entry.map((e: { resource: { id: string } }) => e.resource.id)).toEqual(['patient-demographics']);
    expect((await s.request('/shared/fhir/ViewDefinition')).status).toBe(200);
  });

  it('is checked by the ViewDefinition parser, not the R4 validator', async () => {
    const put = (view: object) => s.request('/shared/fhir/ViewDefinition/bad', { method: 'PUT', headers: admin, body: JSON.stringify({ ...view, id: 'bad' }) });
    const noSelect = await put({ resourceType: 'ViewDefinition', status: 'active', resource: 'Patient', select: [] });
    expect(noSelect.status).toBe(400);
    expect((await noSelect.json()).resourceType).toBe('OperationOutcome');
    expect((await put({ ...patientView, status: 'nonsense' })).status).toBe(400);
    expect((await put({ ...patientView, select: [{ column: [{ name: 'bad name', path: 'id' }] }] })).status).toBe(400);
  });
});

describe('POST [base]/ViewDefinition/$run', () => {
  it('returns the caller tenant rows only, as a JSON array of row objects by default', async () => {
    const t1 = await rowsOf(await run('t1', params({ name: 'viewResource', resource: patientView })));
    expect(t1.map((r) => r.family).sort()).toEqual(['Alpha', 'Beta']);
    expect(t1[0]).toEqual({ id: expect.any(String), gender: expect.any(String), birth: '1970-01-02', family: expect.any(String), given: ['A', 'B'] });
    expect(Object.keys(t1[0]!)).toEqual(['id', 'gender', 'birth', 'family', 'given']);
    const t2 = await rowsOf(await run('t2', params({ name: 'viewResource', resource: patientView }), '', '$viewdefinition-run'));
    expect(t2.map((r) => r.family)).toEqual(['Gamma']);
  });

  it('runs a stored view by viewReference, and reads shared resources of shareable types', async () => {
    const rows = await rowsOf(await run('t2', params({ name: 'viewReference', valueReference: { reference: 'ViewDefinition/patient-demographics' } })));
    expect(rows.map((r) => r.family)).toEqual(['Gamma']);
    const orgs = await rowsOf(await run('t1', params({ name: 'viewResource', resource: orgView })));
    expect(orgs.map((r) => r.name).sort()).toEqual(['Own', 'Shared']);
    const t2orgs = await rowsOf(await run('t2', params({ name: 'viewResource', resource: orgView })));
    expect(t2orgs.map((r) => r.name)).toEqual(['Shared']);
  });

  it('writes ndjson and csv, and applies _limit in SQL', async () => {
    const nd = await run('t1', params({ name: 'viewResource', resource: patientView }, { name: '_format', valueCode: 'ndjson' }));
    expect(nd.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
    const lines = (await nd.text()).trim().split('\n');
    expect(lines.map((l) => JSON.parse(l).family).sort()).toEqual(['Alpha', 'Beta']);
    const csv = await run('t1', params({ name: 'viewResource', resource: patientView }, { name: '_format', valueString: 'csv' }, { name: '_limit', valueInteger: 1 }));
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    const text = await csv.text();
    const [head, row, ...rest] = text.split('\r\n');
    expect(head).toBe('id,gender,birth,family,given');
    expect(row).toMatch(/^[^,]+,(female|male),1970-01-02,(Alpha|Beta),"\[""A"",""B""\]"$/);
    expect(rest).toEqual(['']);
    const noHeader = await run('t1', params({ name: 'viewResource', resource: patientView }, { name: 'header', valueBoolean: false }), '?_format=csv');
    expect((await noHeader.text()).trim().split('\r\n')).toHaveLength(2);
  });

  it('answers 400 for a bad view or bad parameters, 422 for FHIRPath it cannot translate or filters it does not support', async () => {
    const bad = await run('t1', params({ name: 'viewResource', resource: { ...patientView, select: [{ column: [{ name: 'x', path: 'name.(' }] }] } }));
    expect(bad.status).toBe(400);
    expect((await bad.json()).issue[0].code).toBe('invalid');
    const unsupported = await run('t1', params({ name: 'viewResource', resource: { ...patientView, select: [{ column: [{ name: 'x', path: 'link.other.resolve()' }] }] } }));
    expect(unsupported.status).toBe(422);
    expect((await run('t1', params())).status).toBe(400);
    expect((await run('t1', params({ name: 'viewResource', resource: patientView }, { name: 'viewReference', valueString: 'ViewDefinition/patient-demographics' }))).status).toBe(400);
    expect((await run('t1', params({ name: 'viewResource', resource: patientView }, { name: 'nonsense', valueString: 'x' }))).status).toBe(400);
    expect((await run('t1', params({ name: 'viewResource', resource: patientView }, { name: 'patient', valueReference: { reference: 'Patient/1' } }))).status).toBe(422);
    expect((await run('t1', params({ name: 'viewResource', resource: patientView }, { name: '_format', valueCode: 'xml' }))).status).toBe(400);
    expect((await run('t1', params({ name: 'viewResource', resource: patientView }, { name: '_limit', valueInteger: 0 }))).status).toBe(400);
    expect((await run('t1', params({ name: 'viewReference', valueReference: { reference: 'ViewDefinition/nope' } }))).status).toBe(404);
  });

  it('answers 422, not 500, when the view fails on the stored data', async () => {
    // Two names: a non-collection column over name.family has more than one value (a spec run-time error).
    const view = { ...patientView, select: [{ column: [{ name: 'family', path: 'name.family' }] }] };
    await s.fhir('t2', '/Patient', { json: { resourceType: 'Patient', name: [{ family: 'One' }, { family: 'Two' }] } });
    const res = await run('t2', params({ name: 'viewResource', resource: view }));
    expect(res.status).toBe(422);
    expect((await res.json()).issue[0].diagnostics).toMatch(/more than one value/);
    const cast = await run('t2', params({ name: 'viewResource', resource: { ...patientView, select: [{ column: [{ name: 'n', path: 'gender', type: 'integer' }] }] } }));
    expect(cast.status).toBe(422);
  });

  it('refuses an unknown or suspended tenant like any request', async () => {
    expect((await run('nobody', params({ name: 'viewResource', resource: patientView }))).status).toBe(404);
  });
});

describe('GET [base]/ViewDefinition/{id}/$run', () => {
  it('runs the stored view over the caller tenant, with _format and _limit in the query', async () => {
    const res = await s.fhir('t1', '/ViewDefinition/patient-demographics/$run?_format=ndjson&_limit=1');
    expect(res.status).toBe(200);
    expect((await res.text()).trim().split('\n')).toHaveLength(1);
    const all = await rowsOf(await s.request('/tenants/t1/fhir/ViewDefinition/patient-demographics/$run'));
    expect(all.map((r) => r.family).sort()).toEqual(['Alpha', 'Beta']);
    expect((await s.fhir('t1', '/ViewDefinition/nope/$run')).status).toBe(404);
    expect((await s.fhir('t1', '/Patient/x/$run')).status).toBe(404);
  });

  it('on the shared base reads the shared set only', async () => {
    const orgs = await s.request('/shared/fhir/ViewDefinition/$run', { method: 'POST', headers: { 'content-type': 'application/fhir+json' }, body: JSON.stringify(params({ name: 'viewResource', resource: orgView })) });
    expect((await rowsOf(orgs)).map((r) => r.name)).toEqual(['Shared']);
    expect(await rowsOf(await s.request('/shared/fhir/ViewDefinition/patient-demographics/$run'))).toEqual([]);
  });
});
