import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, startTestServer, type TestServer } from '../helpers/app.js';

/*
 * One table of write interactions, each run three ways: over plain HTTP, as the one entry of a
 * transaction, and as the one entry of a batch. Every way must answer the same status and leave
 * the same state behind, because all three call the same rules (src/fhir/interactions/). Each
 * way works in its own tenant, set up alike; shared resources are made once per case.
 */

let s: TestServer;
const PATHS = ['http', 'transaction', 'batch'] as const;
type Path = (typeof PATHS)[number];
const tenantOf = (path: Path) => `ix-${path}`;

beforeAll(async () => {
  s = await startTestServer({ CONDITIONAL_DELETE_MAX: '3' });
  await s.createTenants(...PATHS.map(tenantOf));
});
afterAll(() => s.close());

interface Interaction {
  method: 'POST' | 'PUT' | 'DELETE' | 'PATCH';
  /** Relative to the base: `Patient`, `Patient/x`, `Patient?identifier=...`. */
  url: string;
  resource?: Record<string, unknown>;
  /** A JSON Patch: application/json-patch+json over HTTP, a Binary in a Bundle. */
  patch?: unknown[];
  ifMatch?: string;
  ifNoneExist?: string;
}

interface Case {
  name: string;
  /** Made once, before every path: shared resources (k: the case's key). */
  shared?: (k: string) => Promise<void>;
  /** Made in each path's tenant before the interaction. */
  setup?: (t: string, k: string) => Promise<void>;
  interaction: (k: string) => Interaction;
  status: number;
  /** The state the interaction leaves, the same on every path (ids without the `${k}-` prefix). */
  effect: (t: string, k: string) => Promise<unknown>;
  expected: unknown;
}

const sys = (k: string) => `http://ix/${k}`;
const patient = (k: string, value: string, extra: object = {}) => ({ resourceType: 'Patient', identifier: [{ system: sys(k), value }], ...extra });

async function put(t: string, type: string, id: string, body: object): Promise<void> {
  const res = await s.fhir(t, `/${type}/${id}`, { method: 'PUT', json: { resourceType: type, id, ...body } });
  expect(res.status, await res.clone().text()).toBeLessThan(300);
}

async function putShared(id: string, body: object): Promise<void> {
  const res = await s.request(`/shared/fhir/Organization/${id}`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/fhir+json' },
    body: JSON.stringify({ resourceType: 'Organization', id, ...body }),
  });
  expect(res.status, await res.clone().text()).toBeLessThan(300);
}

/** Ids (sorted) and a field of the current resources of a search, as a tenant sees them. */
async function found(t: string, query: string, field = 'active'): Promise<unknown[]> {
  const bundle = await (await s.fhir(t, `/${query}${query.includes('?') ? '&' : '?'}_count=100`)).json();
  const rows: { id: string; value: unknown }[] = (bundle.entry ?? []).map((e: { resource: Record<string, unknown> }) => ({ id: e.resource.id, value: e.resource[field] ?? null }));
  return rows.sort((a, b) => a.id.localeCompare(b.id)).map((r) => `${r.id}:${JSON.stringify(r.value)}`);
}

/** The status of a read and the version it finds. */
async function state(t: string, path: string): Promise<string> {
  const res = await s.fhir(t, `/${path}`);
  const body = await res.json();
  return res.status === 200 ? `200 v${body.meta.versionId}` : String(res.status);
}

const mine = (k: string) => `Patient?identifier=${encodeURIComponent(`${sys(k)}|`)}`;
const replaceActive = [{ op: 'replace', path: '/active', value: true }];
const twoPatients = async (t: string, k: string) => {
  await put(t, 'Patient', `${k}-a`, patient(k, '1', { active: false }));
  await put(t, 'Patient', `${k}-b`, patient(k, '1', { active: false }));
};
const onePatient = async (t: string, k: string) => put(t, 'Patient', `${k}-a`, patient(k, '1', { active: false }));
const sharedOrg = (k: string) => putShared(`${k}-shared`, { name: 'Shared', identifier: [{ system: sys(k), value: '1' }] });
const orgs = (k: string) => `Organization?identifier=${encodeURIComponent(`${sys(k)}|1`)}`;

const CASES: Case[] = [
  // Conditional create (R4 §3.1.0.8.1).
  { name: 'POST If-None-Exist, no match: created', interaction: (k) => ({ method: 'POST', url: 'Patient', resource: patient(k, '1'), ifNoneExist: `identifier=${sys(k)}|1` }), status: 201, effect: async (t, k) => (await found(t, mine(k))).length, expected: 1 },
  { name: 'POST If-None-Exist, one match: 200, nothing created', setup: onePatient, interaction: (k) => ({ method: 'POST', url: 'Patient', resource: patient(k, '1'), ifNoneExist: `identifier=${sys(k)}|1` }), status: 200, effect: (t, k) => found(t, mine(k)), expected: ['a:false'] },
  { name: 'POST If-None-Exist, several matches: 412', setup: twoPatients, interaction: (k) => ({ method: 'POST', url: 'Patient', resource: patient(k, '1'), ifNoneExist: `Patient?identifier=${sys(k)}|1` }), status: 412, effect: async (t, k) => (await found(t, mine(k))).length, expected: 2 },
  { name: 'POST If-None-Exist without selective criteria: 400', interaction: (k) => ({ method: 'POST', url: 'Patient', resource: patient(k, '1'), ifNoneExist: '_count=1' }), status: 400, effect: async (t, k) => (await found(t, mine(k))).length, expected: 0 },
  { name: 'POST If-None-Exist matching a shared resource: 200, nothing created', shared: sharedOrg, interaction: (k) => ({ method: 'POST', url: 'Organization', resource: { resourceType: 'Organization', name: 'Mine', identifier: [{ system: sys(k), value: '1' }] }, ifNoneExist: `identifier=${sys(k)}|1` }), status: 200, effect: (t, k) => found(t, orgs(k), 'name'), expected: ['shared:"Shared"'] },

  // Conditional update (R4 §3.1.0.4.3).
  { name: 'PUT ?criteria, no match, no id: created', interaction: (k) => ({ method: 'PUT', url: mine(k), resource: patient(k, '1', { active: true }) }), status: 201, effect: async (t, k) => (await found(t, mine(k))).length, expected: 1 },
  { name: 'PUT ?criteria, no match, an id: created with it', interaction: (k) => ({ method: 'PUT', url: mine(k), resource: patient(k, '1', { id: `${k}-new`, active: true }) }), status: 201, effect: (t, k) => found(t, mine(k)), expected: ['new:true'] },
  { name: 'PUT ?criteria, one match, no id: it is updated', setup: onePatient, interaction: (k) => ({ method: 'PUT', url: mine(k), resource: patient(k, '1', { active: true }) }), status: 200, effect: (t, k) => found(t, mine(k)), expected: ['a:true'] },
  { name: 'PUT ?criteria, one match, its id: it is updated', setup: onePatient, interaction: (k) => ({ method: 'PUT', url: mine(k), resource: patient(k, '1', { id: `${k}-a`, active: true }) }), status: 200, effect: (t, k) => found(t, mine(k)), expected: ['a:true'] },
  { name: 'PUT ?criteria, one match, another id: 400 (R4 SHALL), nothing written', setup: onePatient, interaction: (k) => ({ method: 'PUT', url: mine(k), resource: patient(k, '1', { id: `${k}-other`, active: true }) }), status: 400, effect: async (t, k) => [await found(t, mine(k)), await state(t, `Patient/${k}-other`)], expected: [['a:false'], '404'] },
  { name: 'PUT ?criteria, several matches: 412', setup: twoPatients, interaction: (k) => ({ method: 'PUT', url: mine(k), resource: patient(k, '1', { active: true }) }), status: 412, effect: (t, k) => found(t, mine(k)), expected: ['a:false', 'b:false'] },
  { name: 'PUT ?criteria matching a shared resource: 409', shared: sharedOrg, interaction: (k) => ({ method: 'PUT', url: orgs(k), resource: { resourceType: 'Organization', name: 'Taken' } }), status: 409, effect: (t, k) => found(t, orgs(k), 'name'), expected: ['shared:"Shared"'] },
  { name: 'PUT ?criteria with the current If-Match: updated', setup: onePatient, interaction: (k) => ({ method: 'PUT', url: mine(k), resource: patient(k, '1', { active: true }), ifMatch: 'W/"1"' }), status: 200, effect: (t, k) => state(t, `Patient/${k}-a`), expected: '200 v2' },
  { name: 'PUT ?criteria with a stale If-Match: 412', setup: onePatient, interaction: (k) => ({ method: 'PUT', url: mine(k), resource: patient(k, '1', { active: true }), ifMatch: 'W/"2"' }), status: 412, effect: (t, k) => state(t, `Patient/${k}-a`), expected: '200 v1' },
  { name: 'PUT [id] with a stale If-Match: 412', setup: onePatient, interaction: (k) => ({ method: 'PUT', url: `Patient/${k}-a`, resource: patient(k, '1', { id: `${k}-a` }), ifMatch: 'W/"3"' }), status: 412, effect: (t, k) => state(t, `Patient/${k}-a`), expected: '200 v1' },
  { name: 'PUT [id] with an id in the resource that is not the URL\'s: 400', interaction: (k) => ({ method: 'PUT', url: `Patient/${k}-a`, resource: patient(k, '1', { id: `${k}-b` }) }), status: 400, effect: (t, k) => found(t, mine(k)), expected: [] },

  // Conditional delete (R4 §3.1.0.7.1).
  { name: 'DELETE ?criteria, one match: deleted', setup: onePatient, interaction: (k) => ({ method: 'DELETE', url: mine(k) }), status: 204, effect: (t, k) => state(t, `Patient/${k}-a`), expected: '410' },
  { name: 'DELETE ?criteria, several matches up to the maximum: all deleted', setup: twoPatients, interaction: (k) => ({ method: 'DELETE', url: mine(k) }), status: 204, effect: (t, k) => found(t, mine(k)), expected: [] },
  { name: 'DELETE ?criteria, more matches than CONDITIONAL_DELETE_MAX: 412', setup: async (t, k) => { for (const x of ['a', 'b', 'c', 'd']) await put(t, 'Patient', `${k}-${x}`, patient(k, '1')); }, interaction: (k) => ({ method: 'DELETE', url: mine(k) }), status: 412, effect: async (t, k) => (await found(t, mine(k))).length, expected: 4 },
  { name: 'DELETE ?criteria, no match: 404', interaction: (k) => ({ method: 'DELETE', url: mine(k) }), status: 404, effect: (t, k) => found(t, mine(k)), expected: [] },
  { name: 'DELETE ?criteria matching only a shared resource: as no match (404), the shared one kept', shared: sharedOrg, interaction: (k) => ({ method: 'DELETE', url: orgs(k) }), status: 404, effect: (t, k) => found(t, orgs(k), 'name'), expected: ['shared:"Shared"'] },
  { name: 'DELETE ?criteria matching own and shared: the own deleted, the shared kept', shared: sharedOrg, setup: (t, k) => put(t, 'Organization', `${k}-own`, { name: 'Own', identifier: [{ system: sys(k), value: '1' }] }), interaction: (k) => ({ method: 'DELETE', url: orgs(k) }), status: 204, effect: async (t, k) => [await found(t, orgs(k), 'name'), await state(t, `Organization/${k}-own`)], expected: [['shared:"Shared"'], '410'] },
  { name: 'DELETE ?criteria with a stale If-Match: 412', setup: onePatient, interaction: (k) => ({ method: 'DELETE', url: mine(k), ifMatch: 'W/"4"' }), status: 412, effect: (t, k) => state(t, `Patient/${k}-a`), expected: '200 v1' },
  { name: 'DELETE [id] with a stale If-Match: 412', setup: onePatient, interaction: (k) => ({ method: 'DELETE', url: `Patient/${k}-a`, ifMatch: 'W/"2"' }), status: 412, effect: (t, k) => state(t, `Patient/${k}-a`), expected: '200 v1' },
  { name: 'DELETE [id] with the current If-Match: deleted', setup: onePatient, interaction: (k) => ({ method: 'DELETE', url: `Patient/${k}-a`, ifMatch: 'W/"1"' }), status: 204, effect: (t, k) => state(t, `Patient/${k}-a`), expected: '410' },
  { name: 'DELETE [id] of nothing: 404', interaction: (k) => ({ method: 'DELETE', url: `Patient/${k}-a` }), status: 404, effect: (t, k) => state(t, `Patient/${k}-a`), expected: '404' },
  { name: 'DELETE ?criteria without selective criteria: 400', setup: onePatient, interaction: () => ({ method: 'DELETE', url: 'Patient?_count=1' }), status: 400, effect: (t, k) => state(t, `Patient/${k}-a`), expected: '200 v1' },

  // Patch (R4 §3.1.0.6), by id and by criteria.
  { name: 'PATCH ?criteria, one match: patched', setup: onePatient, interaction: (k) => ({ method: 'PATCH', url: mine(k), patch: replaceActive }), status: 200, effect: (t, k) => found(t, mine(k)), expected: ['a:true'] },
  { name: 'PATCH ?criteria, no match: 404', interaction: (k) => ({ method: 'PATCH', url: mine(k), patch: replaceActive }), status: 404, effect: (t, k) => found(t, mine(k)), expected: [] },
  { name: 'PATCH ?criteria, several matches: 412', setup: twoPatients, interaction: (k) => ({ method: 'PATCH', url: mine(k), patch: replaceActive }), status: 412, effect: (t, k) => found(t, mine(k)), expected: ['a:false', 'b:false'] },
  { name: 'PATCH ?criteria matching a shared resource: 409', shared: sharedOrg, interaction: (k) => ({ method: 'PATCH', url: orgs(k), patch: [{ op: 'replace', path: '/name', value: 'Taken' }] }), status: 409, effect: (t, k) => found(t, orgs(k), 'name'), expected: ['shared:"Shared"'] },
  { name: 'PATCH ?criteria with a stale If-Match: 412', setup: onePatient, interaction: (k) => ({ method: 'PATCH', url: mine(k), patch: replaceActive, ifMatch: 'W/"5"' }), status: 412, effect: (t, k) => state(t, `Patient/${k}-a`), expected: '200 v1' },
  { name: 'PATCH [id] with the current If-Match: patched', setup: onePatient, interaction: (k) => ({ method: 'PATCH', url: `Patient/${k}-a`, patch: replaceActive, ifMatch: 'W/"1"' }), status: 200, effect: (t, k) => found(t, mine(k)), expected: ['a:true'] },
  { name: 'PATCH [id] with a stale If-Match: 412', setup: onePatient, interaction: (k) => ({ method: 'PATCH', url: `Patient/${k}-a`, patch: replaceActive, ifMatch: 'W/"2"' }), status: 412, effect: (t, k) => state(t, `Patient/${k}-a`), expected: '200 v1' },
  { name: 'PATCH [id] of a shared resource: 409', shared: sharedOrg, interaction: (k) => ({ method: 'PATCH', url: `Organization/${k}-shared`, patch: [{ op: 'replace', path: '/name', value: 'Taken' }] }), status: 409, effect: (t, k) => found(t, orgs(k), 'name'), expected: ['shared:"Shared"'] },
];

/** The interaction over HTTP: its status. */
async function overHttp(t: string, i: Interaction): Promise<number> {
  const headers: Record<string, string> = {};
  if (i.ifMatch) headers['if-match'] = i.ifMatch;
  if (i.ifNoneExist) headers['if-none-exist'] = i.ifNoneExist;
  if (i.patch) headers['content-type'] = 'application/json-patch+json';
  const body = i.patch ?? i.resource;
  if (body !== undefined) headers['content-type'] ??= 'application/fhir+json';
  const res = await s.fhir(t, `/${i.url}`, { method: i.method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  return res.status;
}

function entryOf(i: Interaction): Record<string, unknown> {
  const request = { method: i.method, url: i.url, ...(i.ifMatch ? { ifMatch: i.ifMatch } : {}), ...(i.ifNoneExist ? { ifNoneExist: i.ifNoneExist } : {}) };
  // A JSON Patch travels in a Bundle as a Binary (R4 §3.1.0.11).
  const resource = i.patch ? { resourceType: 'Binary', contentType: 'application/json-patch+json', data: Buffer.from(JSON.stringify(i.patch)).toString('base64') } : i.resource;
  return { request, ...(resource ? { resource } : {}) };
}

/** The interaction as the one entry of a Bundle: the entry's status, or the whole transaction's when it fails. */
async function inBundle(t: string, type: 'transaction' | 'batch', i: Interaction): Promise<number> {
  const res = await s.fhir(t, '', { json: { resourceType: 'Bundle', type, entry: [entryOf(i)] } });
  const body = await res.json();
  if (res.status !== 200) {
    expect(type, JSON.stringify(body)).toBe('transaction');
    expect(JSON.stringify(body)).toContain('Bundle.entry[0]');
    return res.status;
  }
  return Number(String(body.entry[0].response.status).slice(0, 3));
}

describe('write interactions over HTTP, in a transaction and in a batch', () => {
  CASES.forEach((c, n) => {
    it(c.name, async () => {
      const k = `c${n}`;
      await c.shared?.(k);
      for (const path of PATHS) {
        const t = tenantOf(path);
        await c.setup?.(t, k);
        const i = c.interaction(k);
        const status = path === 'http' ? await overHttp(t, i) : await inBundle(t, path, i);
        expect(status, `${path}: ${c.name}`).toBe(c.status);
        const effect: unknown = JSON.parse(JSON.stringify(await c.effect(t, k)).replaceAll(`${k}-`, ''));
        expect(effect, `${path}: ${c.name}`).toEqual(c.expected);
      }
    });
  });
});

describe('conditional interactions on the shared base', () => {
  it('update and delete the shared set\'s own resources (the match is of the caller\'s own set)', async () => {
    const admin = { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/fhir+json' };
    const criteria = `Organization?identifier=${encodeURIComponent('http://ix/shared-base|1')}`;
    await putShared('sb-org', { name: 'Before', identifier: [{ system: 'http://ix/shared-base', value: '1' }] });
    const upd = await s.request(`/shared/fhir/${criteria}`, { method: 'PUT', headers: admin, body: JSON.stringify({ resourceType: 'Organization', name: 'After', identifier: [{ system: 'http://ix/shared-base', value: '1' }] }) });
    expect(upd.status, await upd.clone().text()).toBe(200);
    expect((await upd.json()).id).toBe('sb-org');
    const del = await s.request(`/shared/fhir/${criteria}`, { method: 'DELETE', headers: admin });
    expect(del.status).toBe(204);
    expect((await s.request('/shared/fhir/Organization/sb-org')).status).toBe(410);
  });
});
