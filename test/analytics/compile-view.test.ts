import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  compileViewDefinition, TENANT_AND_SHARED_SOURCE, ViewDefinitionError, viewRuntimeErrorMessage, type CompileOptions,
} from '../../src/analytics/index.js';

/* Options, errors and FHIRPath beyond the official cases, on one PGlite with both tables. */

const patients = [
  { resourceType: 'Patient', id: 'p1', gender: 'female', birthDate: '1980-05-01', active: true,
    name: [{ use: 'official', family: 'Smith', given: ['Ann', 'B'] }, { family: 'Jones', given: ['Ann'] }],
    telecom: [{ system: 'phone', value: '555' }], link: [{ other: { reference: 'http://x.org/fhir/Patient/p2/_history/3' } }],
    contained: [{ resourceType: 'Practitioner', id: 'dr' }, { resourceType: 'Patient', id: 'inner' }] },
  { resourceType: 'Patient', id: 'p2', gender: 'male', birthDate: '1975', active: false, name: [{ family: 'Brown' }] },
];
const shared = [{ resourceType: 'Organization', id: 'o1', name: 'Acme' }];

let pg: PGlite;
const run = async (view: unknown, options: CompileOptions = {}) =>
  (await pg.query<Record<string, unknown>>(compileViewDefinition(view, options).sql)).rows;
const col = (path: string, type?: string, extra: Record<string, unknown> = {}) =>
  ({ resource: 'Patient', select: [{ column: [{ name: 'id', path: 'id', type: 'id' }, { name: 'v', path, ...(type ? { type } : {}), ...extra }] }] });
const values = async (path: string, type?: string) =>
  Object.fromEntries((await run(col(path, type))).map((r) => [r.id, r.v]));

beforeAll(async () => {
  pg = new PGlite();
  await pg.exec(`
    create table resource (tenant_id text not null, resource_type text not null, id text not null, version_id int not null,
      last_updated timestamptz not null, deleted boolean not null default false, resource jsonb, primary key (tenant_id, resource_type, id));
    create table shared_resource (resource_type text not null, id text not null, version_id int not null,
      last_updated timestamptz not null, deleted boolean not null default false, resource jsonb, primary key (resource_type, id));`);
  for (const p of patients) {
    await pg.query(`insert into resource values ('t1', 'Patient', $1, 1, now(), false, $2::text::jsonb)`, [p.id, JSON.stringify(p)]);
  }
  await pg.query(`insert into resource values ('t1', 'Patient', 'gone', 2, now(), true, $1::text::jsonb)`, [JSON.stringify({ resourceType: 'Patient', id: 'gone' })]);
  for (const r of shared) {
    await pg.query(`insert into shared_resource values ('Organization', $1, 1, now(), false, $2::text::jsonb)`, [r.id, JSON.stringify(r)]);
  }
});
afterAll(async () => {
  await pg.close();
});

describe('compileViewDefinition options', () => {
  const ids = { resource: 'Patient', select: [{ column: [{ name: 'id', path: 'id', type: 'id' }] }] };

  it('leads with tenant_id on the tenant table and skips deleted rows', async () => {
    const compiled = compileViewDefinition(ids);
    expect(compiled.tenantColumn).toBe('tenant_id');
    expect(compiled.columns).toEqual([{ name: 'id', type: 'id', sqlType: 'text' }]);
    expect(await run(ids)).toEqual(expect.arrayContaining([{ tenant_id: 't1', id: 'p1' }, { tenant_id: 't1', id: 'p2' }]));
    expect(await run(ids)).toHaveLength(2);
    expect(await run(ids, { filterDeleted: false })).toHaveLength(3);
  });

  it('reads shared_resource without a tenant column, or both through TENANT_AND_SHARED_SOURCE', async () => {
    const orgs = { resource: 'Organization', select: [{ column: [{ name: 'name', path: 'name', type: 'string' }] }] };
    expect(await run(orgs, { source: 'shared' })).toEqual([{ name: 'Acme' }]);
    expect(compileViewDefinition(orgs, { source: 'shared' }).tenantColumn).toBeUndefined();
    expect(await run(orgs, { from: TENANT_AND_SHARED_SOURCE })).toEqual([{ tenant_id: '', name: 'Acme' }]);
  });

  it('quotes a table name and refuses anything else that is not a (subquery)', () => {
    expect(compileViewDefinition(ids, { from: 'analytics.resource' }).sql).toContain('from "analytics"."resource" as r0');
    expect(() => compileViewDefinition(ids, { from: 'resource; drop table resource' })).toThrow(ViewDefinitionError);
  });

  it('orders columns as the spec does: column, select, unionAll', () => {
    const view = { resource: 'Patient', select: [
      { column: [{ name: 'a', path: "'A'" }], select: [{ column: [{ name: 'b', path: "'B'" }] }],
        unionAll: [{ column: [{ name: 'c', path: "'C'" }] }, { column: [{ name: 'c', path: "'D'" }] }] },
      { column: [{ name: 'd', path: "'E'" }] },
    ] };
    expect(compileViewDefinition(view).columns.map((c) => c.name)).toEqual(['a', 'b', 'c', 'd']);
  });
});

describe('compile errors', () => {
  const bad = (view: unknown) => {
    try {
      compileViewDefinition(view);
    } catch (err) {
      expect(err).toBeInstanceOf(ViewDefinitionError);
      return err as ViewDefinitionError;
    }
    throw new Error('expected a ViewDefinitionError');
  };

  it('refuses invalid column names with 400', () => {
    for (const name of ['bad name', '1st', 'a-b', '_x', 'x'.repeat(64), 'a"b', '']) {
      const err = bad({ resource: 'Patient', select: [{ column: [{ name, path: 'id' }] }] });
      expect(err.status).toBe(400);
    }
    expect(bad({ resource: 'Patient', select: [{ column: [{ name: 'tenant_id', path: 'id' }] }] }).status).toBe(400);
    expect(bad({ resource: 'Patient', select: [{ column: [{ name: 'a', path: 'id' }, { name: 'a', path: 'id' }] }] }).status).toBe(400);
    expect(bad({ resource: "Patient'; --", select: [{ column: [{ name: 'a', path: 'id' }] }] }).status).toBe(400);
    expect(bad(col('id', 'no-such-type')).status).toBe(400);
  });

  it('refuses FHIRPath it cannot translate with 422', () => {
    const err = bad(col("name.given.matches('A.*')"));
    expect(err.status).toBe(422);
    expect(err.toOutcome().issue[0]?.expression).toEqual(['select[0].column[1].path']);
    expect(bad(col('name.first().ofType(HumanName)')).status).toBe(422);
    expect(bad(col("5 'mg'")).status).toBe(400);
  });
});

describe('run-time errors the spec requires', () => {
  it('fails a non-collection column with several values, with a message the server can show', async () => {
    const err = await run(col('name.family', 'string')).catch((e: unknown) => e);
    expect(viewRuntimeErrorMessage(err)).toBe('column "v" has more than one value; count: 2');
    expect(viewRuntimeErrorMessage(new Error('other'))).toBeUndefined();
  });

  it('refuses repeat on a path that does not descend, before it runs', async () => {
    await expect(run({ resource: 'Patient', select: [{ repeat: ['$this'], column: [{ name: 'id', path: 'id' }] }] })).rejects.toThrow(/never descends/);
  });

  it('stops repeat on a path that descends only through itself at the depth cap', async () => {
    const rows = await run({ resource: 'Patient', select: [{ repeat: ['$this.select($this)'], column: [{ name: 'id', path: 'id' }] }] });
    expect(rows.length).toBe(2 * 64);
  });
});

describe('FHIRPath beyond the official cases', () => {
  it('navigates, filters and aggregates', async () => {
    expect(await values('Patient.name.family.first()', 'string')).toEqual({ p1: 'Smith', p2: 'Brown' });
    expect(await values('name.given.count()', 'integer')).toEqual({ p1: 3, p2: 0 });
    expect(await values('name.select(given.first()).count()', 'integer')).toEqual({ p1: 2, p2: 0 });
    expect(await values("name.all(family.exists())", 'boolean')).toEqual({ p1: true, p2: true });
    expect(await values("(name.given | name.family).count()", 'integer')).toEqual({ p1: 4, p2: 1 });
    expect(await values("'Ann' in name.given", 'boolean')).toEqual({ p1: true, p2: false });
    expect(await values('name.given.skip(1).take(1).first()', 'string')).toEqual({ p1: 'B', p2: null });
    expect(await values("name.last().family & '!'", 'string')).toEqual({ p1: 'Jones!', p2: 'Brown!' });
    expect(await values("gender ~ 'FEMALE'", 'boolean')).toEqual({ p1: true, p2: false });
    expect(await values('active xor true', 'boolean')).toEqual({ p1: false, p2: true });
    expect(await values('active implies gender = \'female\'', 'boolean')).toEqual({ p1: true, p2: true });
    expect(await values('(2 + 3 * 4 - 10) div 3', 'integer')).toEqual({ p1: 1, p2: 1 });
  });

  it('compares strings by code point and instants across zones', async () => {
    expect(await values("birthDate < '1976'", 'boolean')).toEqual({ p1: false, p2: true });
    expect(await values("@2020-01-01T10:00:00+02:00 < @2020-01-01T09:30:00Z", 'boolean')).toEqual({ p1: true, p2: true });
  });

  it('finds primitives and contained resources by type, and reference keys in absolute URLs', async () => {
    expect(await values('telecom.value.ofType(string).first()', 'string')).toEqual({ p1: '555', p2: null });
    expect(await values('contained.ofType(Patient).id.first()', 'id')).toEqual({ p1: 'inner', p2: null });
    expect(await values('link.other.getReferenceKey(Patient).first()', 'id')).toEqual({ p1: 'p2', p2: null });
    expect(await values('active.is(boolean)', 'boolean')).toEqual({ p1: true, p2: true });
  });
});
