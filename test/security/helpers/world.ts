import { withAdmin } from '../../../src/db/doors.js';
import { createTenant } from '../../../src/admin/tenants.js';
import { ADMIN_TOKEN, type TestServer } from '../../helpers/app.js';
import type { Rng } from './prng.js';

/*
 * The tenants of the leak suite and their data. Every value that distinguishes one tenant's data
 * (unique ids, names, identifiers, codes, tags, the tenant id itself) is a random token that
 * appears nowhere else, so "another tenant's response contains it" means a leak. Some ids,
 * identifiers and codes are the same literal in every tenant (OVERLAP), so a tenant legitimately
 * sees its own copy of them: for those the oracle looks at content (the canary), never at the id.
 *
 * The canary of a tenant is in every resource it holds (meta.tag, which _summary and _elements
 * keep, and the narrative) and is never sent by anyone: whatever a request echoes, a canary in
 * another tenant's response is that tenant's data.
 */

/** Literal ids, identifiers and codes that every tenant holds its own copy of. */
export const OVERLAP = {
  patient: ['ov-pat-1', 'ov-pat-2'],
  observation: 'ov-obs-1',
  organization: 'ov-org-1',
  mrn: 'MRN-OVERLAP-1',
  code: 'LEAK-CODE-1',
} as const;

export const SYSTEMS = {
  mrn: 'http://leak.test/mrn',
  code: 'http://leak.test/codes',
  cond: 'http://leak.test/cond',
  tag: 'http://leak.test/tag',
  canary: 'http://leak.test/canary',
  org: 'http://leak.test/org',
  obs: 'http://leak.test/obs',
} as const;

export type Role = 'attacker' | 'dangling' | 'victim';

export interface Tenant {
  id: string;
  role: Role;
  /** Never sent in any request; present in every resource of the tenant. */
  canary: string;
  /** Every token that is this tenant's own (canary, tenant id, unique ids, values). */
  secrets: Set<string>;
  /** Tokens of other tenants this tenant holds legitimately (its dangling references, its own copies made by PUT). */
  known: Set<string>;
  ids: {
    patient: string[];
    /** A unique patient with three versions. */
    versioned: string;
    /** A unique patient deleted after creation (a tombstone). */
    deleted: string;
    observation: string[];
    encounter: string[];
    condition: string[];
    group: string[];
    organization: string[];
    view: string;
  };
  values: {
    family: string[];
    given: string[];
    mrn: string[];
    email: string;
    city: string;
    code: string;
    codeText: string;
    condCode: string;
    note: string;
    orgName: string;
    orgIdentifier: string;
    obsIdentifier: string;
    groupName: string;
    tag: string;
    source: string;
    viewName: string;
  };
  /** Paging links this tenant received from its own searches and histories (replayed by others). */
  links: string[];
}

export interface World {
  tenants: Tenant[];
  shared: { organization: string; practitioner: string; location: string; view: string };
  byId(id: string): Tenant;
}

const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
const json = { ...admin, 'content-type': 'application/fhir+json' };

function makeTenant(rng: Rng, letter: string, role: Role): Tenant {
  const secrets = new Set<string>();
  const tok = (kind: string) => {
    const t = `${letter}${kind}${rng.token(10)}`;
    secrets.add(t);
    return t;
  };
  const id = `${letter}-${rng.token(9)}`;
  secrets.add(id);
  const patients = [tok('pat'), tok('pat')];
  return {
    id,
    role,
    canary: tok('canary'),
    secrets,
    known: new Set(),
    ids: {
      patient: [...OVERLAP.patient, ...patients],
      versioned: patients[0]!,
      deleted: tok('pat'),
      observation: [OVERLAP.observation, tok('obs'), tok('obs')],
      encounter: [tok('enc')],
      condition: [tok('cond')],
      group: [tok('grp')],
      organization: [OVERLAP.organization, tok('org')],
      view: tok('view'),
    },
    values: {
      family: [tok('fam'), tok('fam')],
      given: [tok('giv'), tok('giv')],
      mrn: [tok('mrn'), tok('mrn')],
      email: `${tok('mail')}@leak.test`,
      city: tok('city'),
      code: tok('code'),
      codeText: tok('ctext'),
      condCode: tok('ccode'),
      note: tok('note'),
      orgName: tok('orgname'),
      orgIdentifier: tok('orgid'),
      obsIdentifier: tok('obsid'),
      groupName: tok('grpname'),
      tag: tok('tag'),
      source: tok('src'),
      viewName: tok('vname'),
    },
    links: [],
  };
}

type Resource = Record<string, unknown> & { resourceType: string; id: string };

function resources(t: Tenant, shared: World['shared'], others: Tenant[]): Resource[] {
  const v = t.values;
  const meta = { tag: [{ system: SYSTEMS.canary, code: t.canary }, { system: SYSTEMS.tag, code: v.tag }], source: `http://leak.test/source/${v.source}` };
  const text = { status: 'generated', div: `<div xmlns="http://www.w3.org/1999/xhtml">${t.canary}</div>` };
  const common = { meta, text };
  const [p1, p2, p3, p4] = t.ids.patient as [string, string, string, string];
  const patient = (id: string, i: number, extra: Record<string, unknown> = {}): Resource => ({
    resourceType: 'Patient', id, ...common,
    identifier: [{ system: SYSTEMS.mrn, value: v.mrn[i % 2] }, { system: SYSTEMS.mrn, value: OVERLAP.mrn }],
    active: true,
    name: [{ family: v.family[i % 2], given: [v.given[i % 2]] }],
    telecom: [{ system: 'email', value: v.email }],
    gender: i % 2 ? 'female' : 'male',
    birthDate: `19${50 + i}-0${1 + i}-1${i}`,
    address: [{ city: v.city, postalCode: '9999' }],
    managingOrganization: { reference: `Organization/${shared.organization}` },
    generalPractitioner: [{ reference: `Practitioner/${shared.practitioner}` }],
    ...extra,
  });
  const [o1, o2, o3] = t.ids.observation as [string, string, string];
  const [enc] = t.ids.encounter as [string];
  const observation = (id: string, subject: string, i: number, extra: Record<string, unknown> = {}): Resource => ({
    resourceType: 'Observation', id, ...common,
    identifier: [{ system: SYSTEMS.obs, value: v.obsIdentifier }],
    status: 'final',
    code: { coding: [{ system: 'http://loinc.org', code: '8302-2' }, { system: SYSTEMS.code, code: i === 1 ? OVERLAP.code : v.code }], text: v.codeText },
    subject: { reference: subject },
    encounter: { reference: `Encounter/${enc}` },
    effectiveDateTime: `202${i}-0${1 + i}-0${1 + i}T10:00:00Z`,
    performer: [{ reference: `Practitioner/${shared.practitioner}` }],
    note: [{ text: v.note }],
    ...extra,
  });
  const list: Resource[] = [
    { resourceType: 'Organization', id: t.ids.organization[0]!, ...common, name: v.orgName, identifier: [{ system: SYSTEMS.org, value: v.orgIdentifier }], partOf: { reference: `Organization/${shared.organization}` } },
    { resourceType: 'Organization', id: t.ids.organization[1]!, ...common, name: v.orgName, active: true },
    patient(p1, 0),
    patient(p2, 1, { link: [{ other: { reference: `Patient/${p3}` }, type: 'seealso' }] }),
    patient(p3, 2, { managingOrganization: { reference: `Organization/${t.ids.organization[1]}` } }),
    patient(p4, 3),
    patient(t.ids.deleted, 4),
    { resourceType: 'Encounter', id: enc, ...common, status: 'finished', class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' }, subject: { reference: `Patient/${p3}` }, serviceProvider: { reference: `Organization/${shared.organization}` }, period: { start: '2021-02-02T09:00:00Z' } },
    observation(o1, `Patient/${p1}`, 0, { valueQuantity: { value: 170, unit: 'cm', system: 'http://unitsofmeasure.org', code: 'cm' } }),
    observation(o2, `Patient/${p3}`, 1, { valueString: v.note }),
    observation(o3, `Patient/${p2}`, 2, { valueQuantity: { value: 61.5, unit: 'kg', system: 'http://unitsofmeasure.org', code: 'kg' }, hasMember: [{ reference: `Observation/${o1}` }] }),
    { resourceType: 'Condition', id: t.ids.condition[0]!, ...common, clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] }, code: { coding: [{ system: SYSTEMS.cond, code: v.condCode }] }, subject: { reference: `Patient/${p3}` }, encounter: { reference: `Encounter/${enc}` }, recordedDate: '2021-02-02' },
    { resourceType: 'Group', id: t.ids.group[0]!, ...common, type: 'person', actual: true, name: v.groupName, member: [{ entity: { reference: `Patient/${p1}` } }, { entity: { reference: `Patient/${p3}` } }] },
    {
      resourceType: 'ViewDefinition', id: t.ids.view, meta, name: v.viewName, status: 'active', resource: 'Patient',
      select: [{ column: [{ name: 'pid', path: 'id' }, { name: 'fam', path: 'name.family' }, { name: 'mrn', path: 'identifier.value' }] }],
    },
  ];
  if (t.role === 'dangling') {
    // References to other tenants' resources, stored without the reference check (tenant config
    // referentialIntegrity: false): includes, chains, _has and compartments must still stop at RLS.
    for (const o of others) {
      const k = o.ids;
      const refs = [k.patient[2]!, k.patient[3]!, k.deleted, k.encounter[0]!, k.organization[1]!, k.observation[1]!, k.group[0]!];
      refs.forEach((r) => t.known.add(r));
      list.push(
        observation(`${t.ids.observation[1]}-${o.id}`, `Patient/${k.patient[2]}`, 3, { encounter: { reference: `Encounter/${k.encounter[0]}` }, hasMember: [{ reference: `Observation/${k.observation[1]}` }] }),
        { resourceType: 'Encounter', id: `${enc}-${o.id}`, ...common, status: 'finished', class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' }, subject: { reference: `Patient/${k.patient[3]}` }, serviceProvider: { reference: `Organization/${k.organization[1]}` } },
        { resourceType: 'Group', id: `${t.ids.group[0]}-${o.id}`, ...common, type: 'person', actual: true, member: [{ entity: { reference: `Patient/${k.patient[2]}` } }, { entity: { reference: `Patient/${k.deleted}` } }, { entity: { reference: `Group/${k.group[0]}` } }] },
        patient(`${p4}-${o.id}`, 5, { link: [{ other: { reference: `Patient/${k.patient[3]}` }, type: 'seealso' }], managingOrganization: { reference: `Organization/${k.organization[1]}` } }),
      );
      t.known.add(o.id);
    }
  }
  return list;
}

async function must(res: Response, what: string): Promise<unknown> {
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${what}: ${res.status} ${text.slice(0, 500)}`);
  return text ? JSON.parse(text) : undefined;
}

/** Creates the tenants and their data; `letters` name the tenants and their roles. */
export async function buildWorld(s: TestServer, rng: Rng, roles: [letter: string, role: Role][]): Promise<World> {
  const shared = {
    organization: `sorg${rng.token(10)}`,
    practitioner: `sprac${rng.token(10)}`,
    location: `sloc${rng.token(10)}`,
    view: `sview${rng.token(10)}`,
  };
  const put = (r: Resource) => s.request(`/shared/fhir/${r.resourceType}/${r.id}`, { method: 'PUT', headers: json, body: JSON.stringify(r) });
  await must(await put({ resourceType: 'Organization', id: shared.organization, name: 'Shared General Hospital' }), 'shared org');
  await must(await put({ resourceType: 'Practitioner', id: shared.practitioner, name: [{ family: 'Shared' }] }), 'shared practitioner');
  await must(await put({ resourceType: 'Location', id: shared.location, name: 'Shared ward', managingOrganization: { reference: `Organization/${shared.organization}` } }), 'shared location');
  await must(await put({
    resourceType: 'ViewDefinition', id: shared.view, status: 'active', resource: 'Patient',
    select: [{ column: [{ name: 'pid', path: 'id' }, { name: 'fam', path: 'name.family' }, { name: 'city', path: 'address.city' }, { name: 'tag', path: 'meta.tag.code' }] }],
  }), 'shared view');

  const tenants = roles.map(([letter, role]) => makeTenant(rng, letter, role));
  await withAdmin(s.tdb.db, async (tx) => {
    for (const t of tenants) await createTenant(tx, t.id, t.id, t.role === 'dangling' ? { referentialIntegrity: false } : {});
  });
  for (const t of tenants) {
    const others = tenants.filter((o) => o !== t && o.role === 'victim');
    const all = resources(t, shared, others);
    // Bundles take R4 types only: the ViewDefinition goes on its own.
    const entry = all.filter((r) => r.resourceType !== 'ViewDefinition').map((r) => ({ resource: r, request: { method: 'PUT', url: `${r.resourceType}/${r.id}` } }));
    const base = `/tenants/${t.id}/fhir`;
    await must(await s.request(base, { method: 'POST', headers: json, body: JSON.stringify({ resourceType: 'Bundle', type: 'transaction', entry }) }), `load ${t.id}`);
    for (const r of all.filter((x) => x.resourceType === 'ViewDefinition')) {
      await must(await s.request(`${base}/ViewDefinition/${r.id}`, { method: 'PUT', headers: json, body: JSON.stringify(r) }), `view of ${t.id}`);
    }
    // History: the versioned patient gets versions 2 and 3, the deleted one a tombstone.
    for (const active of [false, true]) {
      const current = await must(await s.request(`${base}/Patient/${t.ids.versioned}`, { headers: admin }), 'read') as Record<string, unknown>;
      await must(await s.request(`${base}/Patient/${t.ids.versioned}`, { method: 'PUT', headers: json, body: JSON.stringify({ ...current, active }) }), 'update');
    }
    await must(await s.request(`${base}/Patient/${t.ids.deleted}`, { method: 'DELETE', headers: admin }), 'delete');
  }
  for (const t of tenants) t.links = await collectLinks(s, t);
  return {
    tenants,
    shared,
    byId: (id) => {
      const t = tenants.find((x) => x.id === id);
      if (!t) throw new Error(`no tenant ${id}`);
      return t;
    },
  };
}

/** Links of the tenant's own paged searches and histories, through both of its bases. */
async function collectLinks(s: TestServer, t: Tenant): Promise<string[]> {
  const v = t.values;
  const queries = [
    '/Patient?_count=1',
    `/Patient?name=${v.family[0]}&_count=1`,
    `/Observation?code=${SYSTEMS.code}|${v.code}&_count=1&_include=Observation:subject`,
    `/Patient?_id=${t.ids.patient.join(',')}&_count=1&_revinclude=Observation:subject`,
    `/Patient?identifier=${SYSTEMS.mrn}|${v.mrn[0]}&_count=1&_summary=true`,
    '/_history?_count=1',
    `/Patient/${t.ids.versioned}/_history?_count=1`,
    '/Observation/_history?_count=2',
    `/Patient/${t.ids.patient[2]}/Observation?_count=1`,
  ];
  const links = new Set<string>();
  for (const q of queries) {
    for (const [path, headers] of [[`/fhir${q}`, { ...admin, 'x-tenant-id': t.id }], [`/tenants/${t.id}/fhir${q}`, admin]] as const) {
      const body = await must(await s.request(path, { headers }), `links ${path}`) as { link?: { url: string }[] };
      for (const l of body.link ?? []) links.add(l.url);
    }
  }
  return [...links];
}
