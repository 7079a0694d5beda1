import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, startTestServer, type TestServer } from '../helpers/app.js';
import { queryAs } from './as-role.js';

/* /admin/analytics over HTTP on both backends: cross-tenant views from ViewDefinitions, tenant usage. */

let s: TestServer;
const admin = { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' };
const genderView = {
  resourceType: 'ViewDefinition', id: 'patient-gender', name: 'patient_gender', status: 'active', resource: 'Patient',
  select: [{ column: [{ name: 'id', path: 'id' }, { name: 'gender', path: 'gender' }] }],
};
const put = (name: string, body: object) => s.request(`/admin/analytics/views/${name}`, { method: 'PUT', headers: admin, body: JSON.stringify(body) });
const countByTenant = async (view: string, role = 'fhir_analyst', tenant: string | null = null) =>
  Object.fromEntries((await queryAs<{ tenant_id: string; n: string | number }>(s.tdb, role, tenant,
    `select tenant_id, count(*) as n from fhir_analytics.${view} group by tenant_id`)).map((r) => [r.tenant_id, Number(r.n)]));

beforeAll(async () => {
  s = await startTestServer();
  await s.createTenants('t1', 't2');
  for (const [tenant, gender] of [['t1', 'female'], ['t1', 'male'], ['t2', 'female']] as const) {
    expect((await s.fhir(tenant, '/Patient', { json: { resourceType: 'Patient', gender } })).status).toBe(201);
  }
  const stored = await s.request('/shared/fhir/ViewDefinition/patient-gender', { method: 'PUT', headers: { ...admin, 'content-type': 'application/fhir+json' }, body: JSON.stringify(genderView) });
  expect(stored.status).toBe(201);
});
afterAll(() => s.close());

describe('/admin/analytics/views', () => {
  it('needs the admin credential', async () => {
    expect((await s.request('/admin/analytics/views')).status).toBe(401);
    expect((await s.request('/admin/analytics/views/x', { method: 'PUT', body: '{}' })).status).toBe(401);
  });

  it('creates a security_invoker view from a stored ViewDefinition: analysts see every tenant, a tenant only itself', async () => {
    const res = await put('patient_gender', { viewReference: 'ViewDefinition/patient-gender' });
    expect(res.status, await res.clone().text()).toBe(201);
    expect(await res.json()).toEqual({ name: 'patient_gender', materialized: false, populated: true, description: 'ViewDefinition/patient-gender' });
    expect(await countByTenant('patient_gender')).toEqual({ t1: 2, t2: 1 });
    expect(await countByTenant('patient_gender', 'fhir_app', 't2')).toEqual({ t2: 1 });
    expect((await put('patient_gender', { viewReference: 'ViewDefinition/patient-gender' })).status).toBe(200);
  });

  it('creates a materialized view for analysts only, and refreshes it', async () => {
    const res = await put('patient_gender_mat', { viewResource: genderView, materialized: true });
    expect(res.status, await res.clone().text()).toBe(201);
    expect((await res.json()).materialized).toBe(true);
    expect(await countByTenant('patient_gender_mat')).toEqual({ t1: 2, t2: 1 });
    await expect(countByTenant('patient_gender_mat', 'fhir_app', 't2')).rejects.toThrow(/permission denied/);
    await s.fhir('t2', '/Patient', { json: { resourceType: 'Patient', gender: 'other' } });
    expect(await countByTenant('patient_gender_mat')).toEqual({ t1: 2, t2: 1 });
    const refreshed = await s.request('/admin/analytics/views/patient_gender_mat/$refresh', { method: 'POST', headers: admin });
    expect(refreshed.status).toBe(200);
    expect(await countByTenant('patient_gender_mat')).toEqual({ t1: 2, t2: 2 });
    expect((await s.request('/admin/analytics/views/patient_gender/$refresh', { method: 'POST', headers: admin })).status).toBe(404);
  });

  it('lists and drops views', async () => {
    const list = (await (await s.request('/admin/analytics/views', { headers: admin })).json()) as { name: string }[];
    expect(list.map((v) => v.name)).toEqual(expect.arrayContaining(['patient_gender', 'patient_gender_mat']));
    expect((await s.request('/admin/analytics/views/patient_gender', { method: 'DELETE', headers: admin })).status).toBe(204);
    expect((await s.request('/admin/analytics/views/patient_gender', { method: 'DELETE', headers: admin })).status).toBe(404);
  });

  it('refuses bad names, bad views and unknown references', async () => {
    expect((await put('Bad-Name', { viewResource: genderView })).status).toBe(400);
    expect((await put('x', { viewResource: { ...genderView, select: [] } })).status).toBe(400);
    expect((await put('x', {})).status).toBe(400);
    expect((await put('x', { viewReference: 'ViewDefinition/nope' })).status).toBe(404);
    expect((await put('x', { viewResource: genderView, materialized: 'yes' })).status).toBe(400);
  });
});

describe('/admin/analytics/tenants', () => {
  it('reports rows and bytes per tenant', async () => {
    const usage = (await (await s.request('/admin/analytics/tenants', { headers: admin })).json()) as { id: string; resources: number; totalRows: number; totalBytes: number }[];
    const t1 = usage.find((u) => u.id === 't1');
    expect(t1?.resources).toBe(2);
    expect(t1!.totalRows).toBeGreaterThan(4);
    expect(t1!.totalBytes).toBeGreaterThan(0);
  });
});

describe('typed columns of a SQL view', () => {
  // No column declares a type: each gets the SQL type of its R4 element, so analysts compare with
  // plain literals. Tenant t3 of its own, so the counts above stay as they are.
  const typedView = {
    resourceType: 'ViewDefinition', name: 'patient_typed', status: 'active', resource: 'Patient',
    select: [
      { column: [
        { name: 'id', path: 'id' }, { name: 'gender', path: 'gender' }, { name: 'birth_date', path: 'birthDate' },
        { name: 'active', path: 'active' }, { name: 'births', path: 'multipleBirth.ofType(integer)' },
        { name: 'names', path: 'name.family', collection: true },
      ] },
      { forEach: 'contact', column: [{ name: 'contact_gender', path: 'gender' }] },
    ],
  };
  const patient = (gender: string, birthDate: string, births: number) => ({
    resourceType: 'Patient', gender, birthDate, active: true, multipleBirthInteger: births,
    name: [{ family: `F-${gender}` }], contact: [{ gender }],
  });
  const ids = (rows: { id: string }[]) => rows.map((r) => r.id).sort();

  it('has text, integer and boolean columns that compare with plain literals, as fhir_analyst', async () => {
    await s.createTenants('t3');
    const made: string[] = [];
    for (const [gender, birth, births] of [['female', '1950-03-01', 2], ['male', '1990-07-15', 1], ['female', '1985-01-20', 3]] as const) {
      const res = await s.fhir('t3', '/Patient', { json: patient(gender, birth, births) });
      expect(res.status).toBe(201);
      made.push(((await res.json()) as { id: string }).id);
    }
    const res = await put('patient_typed', { viewResource: typedView });
    expect(res.status, await res.clone().text()).toBe(201);
    const from = "from fhir_analytics.patient_typed where tenant_id = 't3'";
    const [f1950, m1990, f1985] = made;
    expect(ids(await queryAs<{ id: string }>(s.tdb, 'fhir_analyst', null, `select id ${from} and gender = 'female'`))).toEqual([f1950, f1985].sort());
    expect(ids(await queryAs<{ id: string }>(s.tdb, 'fhir_analyst', null, `select id ${from} and births > 1 and active`))).toEqual([f1950, f1985].sort());
    expect(ids(await queryAs<{ id: string }>(s.tdb, 'fhir_analyst', null, `select id ${from} and birth_date >= '1980-01-01'`))).toEqual([m1990, f1985].sort());
    expect(ids(await queryAs<{ id: string }>(s.tdb, 'fhir_analyst', null, `select id ${from} and birth_date::date < date '1960-01-01'`))).toEqual([f1950]);
    expect(ids(await queryAs<{ id: string }>(s.tdb, 'fhir_analyst', null, `select id ${from} and contact_gender = 'male'`))).toEqual([m1990]);
    const types = await queryAs<{ column_name: string; data_type: string }>(s.tdb, 'fhir_analyst', null,
      "select column_name, data_type from information_schema.columns where table_schema = 'fhir_analytics' and table_name = 'patient_typed' order by ordinal_position");
    expect(Object.fromEntries(types.map((t) => [t.column_name, t.data_type]))).toEqual({
      tenant_id: 'text', id: 'text', gender: 'text', birth_date: 'text', active: 'boolean', births: 'integer', names: 'jsonb', contact_gender: 'text',
    });
  });
});
