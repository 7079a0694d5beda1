import { BASE } from '../../helpers/app.js';
import { JSON_TYPE, caller, get, ownPatient, target, uuid, victim, withBody, type AttackContext, type LeakAttempt } from './attack-kit.js';
import { mismatchAttempt, smuggleAttempt } from './attacks-boundary.js';
import {
  KNOWN_TYPES, allValues, chainClause, hasClause, includeParams, paramClause, query, resultParams, sqlPayload, uniqueIdsOf,
} from './search-values.js';
import { OVERLAP, SYSTEMS, type Tenant } from './world.js';

export type { AttackContext, LeakAttempt } from './attack-kit.js';

/*
 * Requests from one tenant (the attacker) aimed at the other tenants' data, across every
 * interaction and feature of the API. Each generator returns one request; `safe` marks requests
 * that change nothing whatever the answer (reads, searches, $validate, $run, GET-only bundles), so
 * the runner may repeat them with decoy values.
 */

function searchPairs(ctx: AttackContext, type: string, v: Tenant): [string, string][] {
  const { rng, world } = ctx;
  const pairs: [string, string][] = [];
  const n = rng.between(1, 3);
  for (let i = 0; i < n; i++) {
    const about = rng.chance(0.8) ? v : ctx.attacker;
    const clause = paramClause(rng, world, type, about);
    if (rng.chance(0.1)) clause[1] = rng.chance(0.5) ? `${clause[1]}${sqlPayload(rng, v.id)}` : `${sqlPayload(rng, v.id)}${clause[1]}`;
    pairs.push(clause);
  }
  return pairs;
}

const generators: [weight: number, name: string, make: (ctx: AttackContext) => LeakAttempt][] = [
  [6, 'read', (ctx) => {
    const [type, id] = target(ctx, victim(ctx));
    return get(ctx, 'read', `/${type}/${id}`);
  }],
  [4, 'vread', (ctx) => {
    const [type, id] = target(ctx, victim(ctx));
    return get(ctx, 'vread', `/${type}/${id}/_history/${ctx.rng.between(1, 4)}`);
  }],
  [5, 'history', (ctx) => {
    const { rng } = ctx;
    const [type, id] = target(ctx, victim(ctx));
    const q = query([...(rng.chance(0.5) ? [['_count', String(rng.pick([1, 5, 100]))] as [string, string]] : []), ...(rng.chance(0.3) ? [['_since', '2000-01-01T00:00:00Z'] as [string, string]] : [])]);
    return get(ctx, 'history', rng.pick([`/${type}/${id}/_history${q}`, `/${type}/_history${q}`, `/_history${q}`]));
  }],
  [14, 'search', (ctx) => {
    const { rng } = ctx;
    const v = victim(ctx);
    const type = rng.chance(0.85) ? rng.pick(KNOWN_TYPES) : rng.pick(['MedicationRequest', 'DiagnosticReport', 'Procedure', 'AllergyIntolerance', 'RiskAssessment', 'Account']);
    const pairs = [...searchPairs(ctx, type, v), ...resultParams(rng, type)];
    if (rng.chance(0.2)) {
      const c = caller(ctx);
      const form: [string, string] = ['content-type', 'application/x-www-form-urlencoded'];
      return { family: 'search', method: 'POST', path: `${c.base}/${type}/_search`, headers: [...c.headers, form], body: new URLSearchParams(pairs).toString(), safe: true };
    }
    return get(ctx, 'search', `/${type}${query(pairs)}`);
  }],
  [3, 'system-search', (ctx) => {
    const { rng } = ctx;
    const v = victim(ctx);
    const [type, id] = target(ctx, v);
    const pairs: [string, string][] = rng.pick([
      [['_id', id]], [['_type', `${type},Observation`], ['_id', id]], [['_tag', `${SYSTEMS.tag}|${v.values.tag}`]],
      [['_source', `http://leak.test/source/${v.values.source}`]], [['_lastUpdated', 'gt2000-01-01']], [['_type', 'Patient,Organization'], ['_include', 'Patient:organization']],
    ]);
    const all = [...pairs, ...resultParams(rng, 'Patient')];
    if (rng.chance(0.25)) {
      const c = caller(ctx);
      return { family: 'system-search', method: 'POST', path: `${c.base}/_search`, headers: [...c.headers, ['content-type', 'application/x-www-form-urlencoded']], body: new URLSearchParams(all).toString(), safe: true };
    }
    return get(ctx, 'system-search', `/${query(all)}`);
  }],
  [7, 'chain', (ctx) => {
    const { rng, world } = ctx;
    const v = victim(ctx);
    const type = rng.pick(['Observation', 'Encounter', 'Condition', 'Group', 'Patient']);
    const clause = chainClause(rng, world, type, v, rng.between(1, rng.chance(0.1) ? 5 : 3));
    const fixed: [string, string][] = rng.pick([
      [['subject.name', v.values.family[0]!]], [['subject:Patient.identifier', `${SYSTEMS.mrn}|${v.values.mrn[0]}`]],
      [['patient.organization.name', v.values.orgName]], [['encounter.subject._id', v.ids.versioned]], [['subject._id', OVERLAP.patient[0]]],
      [['patient.general-practitioner._id', world.shared.practitioner], ['patient.name', v.values.family[1]!]],
    ]);
    return get(ctx, 'chain', `/${type}${query([...(clause && rng.chance(0.7) ? [clause] : fixed), ...resultParams(rng, type)])}`);
  }],
  [5, 'has', (ctx) => {
    const { rng, world } = ctx;
    const v = victim(ctx);
    const type = rng.pick(['Patient', 'Encounter', 'Organization', 'Practitioner', 'Group']);
    const clause = hasClause(rng, world, type, v);
    const fixed: [string, string] = rng.pick<[string, string]>([
      ['_has:Observation:subject:code', `${SYSTEMS.code}|${v.values.code}`], ['_has:Observation:patient:_id', v.ids.observation[1]!],
      ['_has:Condition:subject:code', v.values.condCode], ['_has:Group:member:_id', v.ids.group[0]!],
    ]);
    const t = clause && rng.chance(0.6) ? type : 'Patient';
    return get(ctx, 'has', `/${t}${query([clause && t === type ? clause : fixed, ...resultParams(rng, t)])}`);
  }],
  [8, 'include', (ctx) => {
    const { rng, world } = ctx;
    const v = victim(ctx);
    const type = rng.pick(['Patient', 'Observation', 'Encounter', 'Condition', 'Group', 'Organization', 'Practitioner']);
    const selection: [string, string][] = rng.pick([
      [],
      [['_id', [...OVERLAP.patient, OVERLAP.observation, OVERLAP.organization].join(',')]],
      [['_id', `${world.shared.organization},${world.shared.practitioner}`]],
      [['_id', rng.pick(uniqueIdsOf(v))[1]]],
      searchPairs(ctx, type, ctx.attacker).slice(0, 1),
    ]);
    return get(ctx, 'include', `/${type}${query([...selection, ...includeParams(rng, type), ...resultParams(rng, type)])}`);
  }],
  [6, 'paging-replay', (ctx) => {
    const { rng, attacker: a } = ctx;
    const v = rng.pick(ctx.others.filter((o) => o.links.length));
    const link = new URL(rng.pick(v.links));
    const c = caller(ctx);
    // As given (another tenant's base in it), or moved onto the attacker's own base.
    const moved = link.pathname.replace(/^\/tenants\/[^/]+\/fhir|^\/fhir/, c.base);
    const path = rng.chance(0.5) ? `${link.pathname}${link.search}` : `${moved}${link.search}`;
    // Gateway mode: the attacker's header goes with every replay (a bare /tenants/{other} URL would be that tenant's own request).
    const headers: [string, string][] = ctx.mode === 'gateway' ? [['x-tenant-id', a.id]] : c.headers;
    return { family: 'paging-replay', method: 'GET', path, headers, safe: true };
  }],
  [3, 'compartment', (ctx) => {
    const { rng } = ctx;
    const v = victim(ctx);
    const id = rng.pick([...v.ids.patient, v.ids.deleted]);
    // `*` and $everything: every compartment type, and what the members refer to.
    return get(ctx, 'compartment', `/Patient/${id}/${rng.pick(['Observation', 'Encounter', 'Condition', 'Patient', 'Group', '*', '$everything'])}${query(resultParams(rng, 'Observation'))}`);
  }],
  [3, 'conditional-create', (ctx) => {
    const { rng } = ctx;
    const v = victim(ctx);
    const criteria = rng.pick([`identifier=${SYSTEMS.mrn}|${v.values.mrn[0]}`, `_id=${v.ids.versioned}`, `name=${v.values.family[0]}&birthdate=ge1900`, `identifier=${SYSTEMS.mrn}|${OVERLAP.mrn}`, `_tag=${SYSTEMS.tag}|${v.values.tag}`]);
    return withBody(ctx, 'conditional-create', 'POST', '/Patient', ownPatient(), [['if-none-exist', criteria], ['prefer', rng.pick(['return=minimal', 'return=representation', 'return=OperationOutcome'])]]);
  }],
  [3, 'conditional-update', (ctx) => {
    const { rng } = ctx;
    const v = victim(ctx);
    const criteria = rng.pick([`identifier=${SYSTEMS.mrn}|${v.values.mrn[1]}`, `_id=${v.ids.versioned}`, `family=${v.values.family[1]}`, `_id=${v.ids.deleted}`]);
    const body = rng.chance(0.3) ? ownPatient(v.ids.versioned) : ownPatient();
    return withBody(ctx, 'conditional-update', 'PUT', `/Patient?${criteria}`, body, rng.chance(0.5) ? [['if-match', 'W/"1"']] : []);
  }],
  [3, 'conditional-delete', (ctx) => {
    const { rng } = ctx;
    const v = victim(ctx);
    const [type, id] = target(ctx, v);
    const c = caller(ctx);
    const criteria = rng.pick([`_id=${id}`, `identifier=${SYSTEMS.mrn}|${v.values.mrn[0]}`, `name=${v.values.family[0]}`, `_id=${v.ids.deleted}`]);
    return { family: 'conditional-delete', method: 'DELETE', path: `${c.base}/${type === 'Patient' || criteria.startsWith('_id') ? type : 'Patient'}?${criteria}`, headers: c.headers, safe: false };
  }],
  [3, 'conditional-patch', (ctx) => {
    const { rng } = ctx;
    const v = victim(ctx);
    const criteria = rng.pick([`_id=${v.ids.versioned}`, `identifier=${SYSTEMS.mrn}|${v.values.mrn[0]}`, `_id=${OVERLAP.patient[0]}&name=${v.values.family[0]}`]);
    const a = withBody(ctx, 'conditional-patch', 'PATCH', `/Patient?${criteria}`, [{ op: 'replace', path: '/active', value: false }]);
    a.headers = a.headers.map(([k, val]) => (k === 'content-type' ? [k, 'application/json-patch+json'] : [k, val]));
    return a;
  }],
  [5, 'write-by-id', (ctx) => {
    const { rng } = ctx;
    const v = victim(ctx);
    const [type, id] = target(ctx, v, 'Patient');
    const c = caller(ctx);
    return rng.pick<() => LeakAttempt>([
      () => withBody(ctx, 'write-by-id', 'PUT', `/Patient/${id}`, ownPatient(id), [['if-match', `W/"${rng.between(1, 3)}"`]]),
      () => withBody(ctx, 'write-by-id', 'PUT', `/Patient/${id}`, ownPatient(id)),
      () => ({ family: 'write-by-id', method: 'DELETE', path: `${c.base}/${type}/${id}`, headers: [...c.headers, ...(rng.chance(0.5) ? [['if-match', 'W/"2"'] as [string, string]] : [])], safe: false }),
      () => {
        const p = withBody(ctx, 'write-by-id', 'PATCH', `/${type}/${id}`, [{ op: 'replace', path: '/active', value: false }]);
        p.headers = p.headers.map(([k, val]) => (k === 'content-type' ? [k, 'application/json-patch+json'] : [k, val]));
        return p;
      },
      () => withBody(ctx, 'write-by-id', 'POST', '/Observation', {
        resourceType: 'Observation', status: 'final', code: { text: 'probe' },
        subject: { reference: rng.pick([`Patient/${id}`, `${BASE}/tenants/${v.id}/fhir/Patient/${id}`]) },
        ...(rng.chance(0.5) ? { performer: [{ reference: `Organization/${v.ids.organization[1]}` }] } : {}),
      }),
      () => withBody(ctx, 'write-by-id', 'PUT', `/Observation/${v.ids.observation[1]}`, { resourceType: 'Observation', id: v.ids.observation[1], status: 'final', code: { text: 'x' } }, [['if-match', 'W/"1"']]),
    ])();
  }],
  [5, 'patch-tenant-fields', (ctx) => {
    const { rng, attacker: a } = ctx;
    const v = victim(ctx);
    const own = rng.pick([a.ids.patient[0]!, a.ids.patient[3]!]);
    const ops: unknown[] = rng.pick<unknown[]>([
      [{ op: 'replace', path: '/id', value: v.ids.versioned }],
      [{ op: 'replace', path: '/resourceType', value: 'Observation' }],
      [{ op: 'add', path: '/tenant_id', value: v.id }],
      [{ op: 'add', path: '/meta/tenant', value: v.id }],
      [{ op: 'replace', path: '/meta/versionId', value: '99' }],
      [{ op: 'add', path: '/managingOrganization', value: { reference: `Organization/${v.ids.organization[1]}` } }],
      [{ op: 'add', path: '/link', value: [{ other: { reference: `Patient/${v.ids.versioned}` }, type: 'seealso' }] }],
      [{ op: 'add', path: '/meta/tag/-', value: { system: 'urn:tenant', code: v.id } }],
      [{ op: 'move', from: '/meta', path: '/contained' }],
      [{ op: 'test', path: '/id', value: v.ids.versioned }, { op: 'replace', path: '/active', value: true }],
      [{ op: 'copy', from: '/id', path: '/meta/source' }],
      [{ op: 'add', path: '/contained', value: [{ resourceType: 'Patient', id: v.ids.versioned }] }],
      [{ op: 'add', path: '/__proto__', value: { tenant: v.id } }],
    ]);
    if (rng.chance(0.3)) {
      // FHIRPath Patch: the same intent as a Parameters resource.
      const [path, value] = rng.pick<[string, Record<string, unknown>]>([
        ['Patient.id', { valueId: v.ids.versioned }], ['Patient.meta.versionId', { valueId: '7' }],
        ['Patient.managingOrganization', { valueReference: { reference: `Organization/${v.ids.organization[1]}` } }],
      ]);
      return withBody(ctx, 'patch-tenant-fields', 'PATCH', `/Patient/${own}`, {
        resourceType: 'Parameters', parameter: [{ name: 'operation', part: [{ name: 'type', valueCode: 'replace' }, { name: 'path', valueString: path }, { name: 'value', ...value }] }],
      });
    }
    const p = withBody(ctx, 'patch-tenant-fields', 'PATCH', `/Patient/${own}`, ops);
    p.headers = p.headers.map(([k, val]) => (k === 'content-type' ? [k, 'application/json-patch+json'] : [k, val]));
    return p;
  }],
  [7, 'bundle', (ctx) => bundleAttempt(ctx)],
  [2, 'export', (ctx) => {
    const { rng } = ctx;
    const v = victim(ctx);
    const c = caller(ctx);
    const path = rng.pick([`${c.base}/$export`, `${c.base}/Patient/$export`, `${c.base}/Group/${v.ids.group[0]}/$export`, `/admin/tenants/${v.id}/$export`, `/admin/tenants/${v.id}`, `/admin/audit?tenant=${v.id}`, '/admin/tenants']);
    return { family: 'export', method: 'GET', path, headers: c.headers, safe: true };
  }],
  [3, 'validate', (ctx) => {
    const { rng } = ctx;
    const v = victim(ctx);
    const resource = { resourceType: 'Observation', status: 'final', code: { text: 'v' }, subject: { reference: `Patient/${v.ids.versioned}` } };
    return rng.pick<() => LeakAttempt>([
      () => withBody(ctx, 'validate', 'POST', '/Observation/$validate', resource, [], true),
      () => withBody(ctx, 'validate', 'POST', '/Observation/$validate', { resourceType: 'Parameters', parameter: [{ name: 'resource', resource }] }, [], true),
      () => get(ctx, 'validate', `/Patient/${v.ids.versioned}/$validate`),
      () => withBody(ctx, 'validate', 'POST', `/Patient/${v.ids.versioned}/$validate`, ownPatient(v.ids.versioned), [], true),
    ])();
  }],
  [5, 'run', (ctx) => {
    const { rng, world } = ctx;
    const v = victim(ctx);
    const format = rng.pick(['json', 'ndjson', 'csv']);
    const type = rng.pick(['Patient', 'Observation', 'Organization', 'Group']);
    const columns = type === 'Patient'
      ? [{ name: 'pid', path: 'id' }, { name: 'family', path: 'name.family' }, { name: 'tags', path: 'meta.tag.code', collection: true }]
      : [{ name: 'rid', path: 'id' }, { name: 'tags', path: 'meta.tag.code', collection: true }, { name: 'txt', path: 'text.div' }];
    const where = rng.chance(0.5) ? [{ path: rng.pick([`name.family = '${v.values.family[0]}'`, `id = '${v.ids.versioned}'`, `meta.tag.code = '${v.values.tag}'`, `identifier.value = '${v.values.mrn[0]}'`]) }] : undefined;
    const view = { resourceType: 'ViewDefinition', status: 'active', resource: type, select: [{ column: columns }], ...(where && type === 'Patient' ? { where } : {}) };
    return rng.pick<() => LeakAttempt>([
      () => get(ctx, 'run', `/ViewDefinition/${v.ids.view}/$run?_format=${format}`),
      () => get(ctx, 'run', `/ViewDefinition/${world.shared.view}/$run?_format=${format}`),
      () => withBody(ctx, 'run', 'POST', '/ViewDefinition/$run', { resourceType: 'Parameters', parameter: [{ name: 'viewReference', valueReference: { reference: rng.pick([`ViewDefinition/${v.ids.view}`, `${BASE}/tenants/${v.id}/fhir/ViewDefinition/${v.ids.view}`]) } }] }, [], true),
      () => withBody(ctx, 'run', 'POST', `/ViewDefinition/$run?_format=${format}`, { resourceType: 'Parameters', parameter: [{ name: 'viewResource', resource: view }] }, [], true),
      () => get(ctx, 'run', `/ViewDefinition/${v.ids.view}`),
      () => get(ctx, 'run', `/ViewDefinition?name=${v.values.viewName}`),
    ])();
  }],
  [2, 'shared-write', (ctx) => {
    // The shared set is written by privileged clients only: a tenant's caller may not change it.
    const { rng, world } = ctx;
    const c = caller(ctx);
    const [type, id] = rng.pick<[string, string]>([['Organization', world.shared.organization], ['Practitioner', world.shared.practitioner], ['ViewDefinition', world.shared.view]]);
    const headers: [string, string][] = [...c.headers.filter(([k]) => k.toLowerCase() !== 'x-tenant-id'), JSON_TYPE];
    const method = rng.pick(['PUT', 'POST', 'DELETE', 'PATCH']);
    const body = method === 'PATCH' ? JSON.stringify([{ op: 'replace', path: '/name', value: 'Taken' }]) : method === 'DELETE' ? undefined : JSON.stringify({ resourceType: type, ...(method === 'PUT' ? { id } : {}), name: 'Taken', status: 'active' });
    if (rng.chance(0.3) && method === 'PUT' && type !== 'ViewDefinition') {
      // Through the tenant's own base: a tenant resource may not take an id the shared set holds (409).
      return { family: 'shared-write', method, path: `${c.base}/${type}/${id}`, headers: [...c.headers, JSON_TYPE], body, safe: false, mustRefuse: true };
    }
    const path = `/shared/fhir/${type}${method === 'POST' ? '' : `/${id}`}`;
    return { family: 'shared-write', method, path, headers: method === 'PATCH' ? headers.map(([k, v]) => (k === 'content-type' ? [k, 'application/json-patch+json'] : [k, v])) : headers, body, safe: false, mustRefuse: true };
  }],
  [2, 'metadata', (ctx) => get(ctx, 'metadata', ctx.rng.pick(['/metadata', '/', '/Patient/_history?_count=1']))],
  [6, 'mismatch', (ctx) => mismatchAttempt(ctx)],
  [6, 'smuggle', (ctx) => smuggleAttempt(ctx)],
  [6, 'sql', (ctx) => sqlAttempt(ctx)],
];

/** Transactions and batches that name other tenants' ids: literal, conditional, urn, absolute. */
function bundleAttempt(ctx: AttackContext): LeakAttempt {
  const { rng } = ctx;
  const v = victim(ctx);
  const type = rng.pick(['transaction', 'batch']);
  const entries: Record<string, unknown>[] = [];
  const n = rng.between(1, 4);
  for (let i = 0; i < n; i++) {
    const [t, id] = target(ctx, v);
    const urn = `urn:uuid:${uuid(rng)}`;
    entries.push(...rng.pick<() => Record<string, unknown>[]>([
      () => [{ request: { method: 'GET', url: `${t}/${id}` } }],
      () => [{ request: { method: 'GET', url: `${t}/${id}/_history/${rng.between(1, 3)}` } }],
      () => [{ request: { method: 'GET', url: `Patient?identifier=${SYSTEMS.mrn}|${v.values.mrn[0]}&_revinclude=Observation:subject` } }],
      () => [{ request: { method: 'GET', url: `Observation?subject=Patient/${v.ids.versioned}&_include=Observation:subject` } }],
      () => [{ request: { method: 'GET', url: `${BASE}/tenants/${v.id}/fhir/${t}/${id}` } }],
      () => [{ request: { method: 'PUT', url: `Patient/${v.ids.versioned}`, ifMatch: 'W/"3"' }, resource: ownPatient(v.ids.versioned) }],
      () => [{ request: { method: 'PUT', url: `Patient/${id}` }, resource: ownPatient(id) }],
      () => [{ request: { method: 'POST', url: 'Observation' }, resource: { resourceType: 'Observation', status: 'final', code: { text: 'b' }, subject: { reference: `Patient/${v.ids.versioned}` } } }],
      () => [{ request: { method: 'POST', url: 'Observation' }, resource: { resourceType: 'Observation', status: 'final', code: { text: 'b' }, subject: { reference: `Patient?identifier=${SYSTEMS.mrn}|${v.values.mrn[0]}` } } }],
      () => [
        { fullUrl: rng.chance(0.5) ? urn : `${BASE}/tenants/${v.id}/fhir/Patient/${v.ids.versioned}`, request: { method: 'POST', url: 'Patient' }, resource: ownPatient() },
        { request: { method: 'POST', url: 'Observation' }, resource: { resourceType: 'Observation', status: 'final', code: { text: 'u' }, subject: { reference: rng.chance(0.5) ? urn : `${BASE}/tenants/${v.id}/fhir/Patient/${v.ids.versioned}` } } },
      ],
      () => [{ request: { method: 'POST', url: 'Patient', ifNoneExist: `identifier=${SYSTEMS.mrn}|${v.values.mrn[1]}` }, resource: ownPatient() }],
      () => [{ request: { method: 'PUT', url: `Patient?_id=${v.ids.versioned}` }, resource: ownPatient() }],
      () => [{ request: { method: 'DELETE', url: `${t}/${id}` } }],
      () => [{ request: { method: 'DELETE', url: `Patient?identifier=${SYSTEMS.mrn}|${v.values.mrn[0]}` } }],
      () => [{ request: { method: 'PATCH', url: `Patient/${v.ids.versioned}` }, resource: { resourceType: 'Parameters', parameter: [{ name: 'operation', part: [{ name: 'type', valueCode: 'delete' }, { name: 'path', valueString: 'Patient.name' }] }] } }],
      () => [{ request: { method: 'PUT', url: `${BASE}/tenants/${v.id}/fhir/Patient/${v.ids.versioned}` }, resource: ownPatient(v.ids.versioned) }],
    ])());
  }
  const safe = entries.every((e) => (e.request as { method: string }).method === 'GET');
  return withBody(ctx, 'bundle', 'POST', '', { resourceType: 'Bundle', type, entry: entries }, [], safe);
}

/** SQL metacharacters in every place a value goes: ids, parameter names and values, headers. */
function sqlAttempt(ctx: AttackContext): LeakAttempt {
  const { rng } = ctx;
  const v = victim(ctx);
  const p = () => encodeURIComponent(sqlPayload(rng, v.id));
  const type = rng.pick(KNOWN_TYPES);
  const [, id] = target(ctx, v);
  const value = rng.pick(allValues(v));
  return rng.pick<() => LeakAttempt>([
    () => get(ctx, 'sql', `/${type}/${id}${p()}`),
    () => get(ctx, 'sql', `/${type}/${p()}/_history/1`),
    () => get(ctx, 'sql', `/${type}?${p()}=${value}`),
    () => get(ctx, 'sql', `/${type}?_id=${id}${p()}`),
    () => get(ctx, 'sql', `/${type}?${paramClause(rng, ctx.world, type, v)[0]}=${encodeURIComponent(value)}${p()}`),
    () => get(ctx, 'sql', `/${type}?_sort=${p()}`),
    () => get(ctx, 'sql', `/${type}?_include=${type}:${p()}`),
    () => get(ctx, 'sql', `/${type}?_elements=${p()}`),
    () => get(ctx, 'sql', `/${type}?subject.name${p()}=${value}`),
    () => get(ctx, 'sql', `/${type}?_has:Observation:subject:code=${value}${p()}`),
    () => get(ctx, 'sql', `/${type}?_lastUpdated=${p()}`),
    () => get(ctx, 'sql', `/_history?_since=${p()}`),
    () => get(ctx, 'sql', `/?_type=${p()}`),
    () => get(ctx, 'sql', `/${p()}?_id=${id}`),
    () => get(ctx, 'sql', `/ViewDefinition/$run?_format=${p()}&_limit=${p()}`),
    () => withBody(ctx, 'sql', 'POST', '/Patient', ownPatient(), [['if-none-exist', `name=${value}${encodeURIComponent(sqlPayload(rng, v.id))}`]]),
    () => withBody(ctx, 'sql', 'POST', '/ViewDefinition/$run', {
      resourceType: 'Parameters', parameter: [{ name: 'viewResource', resource: { resourceType: 'ViewDefinition', status: 'active', resource: 'Patient', select: [{ column: [{ name: 'pid', path: 'id' }] }], where: [{ path: `name.family = '${value}${sqlPayload(rng, v.id).replace(/'/g, "\\'")}'` }] } }],
    }, [], true),
    () => get(ctx, 'sql', `/${type}`, [['prefer', `handling=strict; return=${sqlPayload(rng, v.id).replace(/[^\x20-\x7e]/g, '')}`], ['x-request-id', sqlPayload(rng, v.id).replace(/[^\x20-\x7e]/g, '') || 'x']]),
  ])();
}

/** One attempt of a generator chosen by weight. */
export function nextAttempt(ctx: AttackContext): LeakAttempt {
  const make = ctx.rng.weighted(generators.map(([w, , m]) => [w, m] as const));
  return make(ctx);
}

export const GENERATOR_NAMES = generators.map(([, name]) => name);
