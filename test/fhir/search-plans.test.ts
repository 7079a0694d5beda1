import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tx } from '../../src/db/database.js';
import { withTenant } from '../../src/db/doors.js';
import { Repository } from '../../src/fhir/repository/repository.js';
import { parseSearch } from '../../src/fhir/search/parse.js';
import type { PageCursor } from '../../src/fhir/search/cursor.js';
import { startTestServer, type TestServer } from '../helpers/app.js';

/*
 * Every search form on a tenant loaded in one transaction bundle into a database no ANALYZE has
 * seen (autovacuum switched off for the test's tables on PostgreSQL): the plans the repository
 * runs (generic, as fhir_app with the tenant set, as withTenant does) read through tenant-leading
 * indexes, and every lookup done once per row is a key lookup, never a scan of a type or of the
 * tenant; and each search answers correctly. On main `_has:Observation:patient:code=` did not
 * answer in 30 s on PostgreSQL, nor in 60 s on PGlite, on such a database.
 */
let s: TestServer;
const T = 'fresh';
const PATIENTS = 200;
const ids: Record<string, string[]> = { Patient: [], Observation: [], Encounter: [], Organization: [] };

function bundle() {
  const entry: { fullUrl: string; resource: Record<string, unknown>; request: { method: string; url: string } }[] = [];
  const add = (key: string, resource: Record<string, unknown>) =>
    entry.push({ fullUrl: `urn:uuid:${key}`, resource, request: { method: 'POST', url: resource.resourceType as string } });
  add('00000000-0000-4000-8000-0000000000a0', { resourceType: 'Organization', name: 'RootA' });
  add('00000000-0000-4000-8000-0000000000b0', { resourceType: 'Organization', name: 'Other' });
  const uuid = (kind: number, i: number) => `00000000-0000-4000-8000-${kind.toString(16)}${String(i).padStart(10, '0')}`;
  for (let k = 0; k < 10; k++) {
    add(uuid(1, k), { resourceType: 'Organization', name: `Org${k}`, partOf: { reference: `urn:uuid:00000000-0000-4000-8000-0000000000${k < 5 ? 'a0' : 'b0'}` } });
  }
  for (let i = 0; i < PATIENTS; i++) {
    add(uuid(2, i), {
      resourceType: 'Patient', name: [{ family: `Fam${i}` }], gender: i % 2 ? 'male' : 'female',
      birthDate: `${1950 + (i % 60)}-01-01`, identifier: [{ system: 'http://x', value: `id${i}` }],
      managingOrganization: { reference: `urn:uuid:${uuid(1, i % 10)}` },
    });
    add(uuid(3, i), { resourceType: 'Encounter', status: 'finished', class: { code: 'AMB' }, subject: { reference: `urn:uuid:${uuid(2, i)}` } });
    for (let j = 0; j < 2; j++) {
      const k = 2 * i + j;
      add(uuid(4, k), {
        resourceType: 'Observation', status: 'final', code: { coding: [{ system: 'http://loinc.org', code: `c${k % 50}` }] },
        subject: { reference: `urn:uuid:${uuid(2, i)}` }, encounter: { reference: `urn:uuid:${uuid(3, i)}` },
        effectiveDateTime: `2020-01-${String(1 + (i % 28)).padStart(2, '0')}`,
        valueQuantity: { value: k % 100, unit: 'mg', system: 'http://unitsofmeasure.org', code: 'mg' },
      });
    }
  }
  return { resourceType: 'Bundle', type: 'transaction', entry };
}

beforeAll(async () => {
  s = await startTestServer({ MAX_BUNDLE_ENTRIES: '10000' });
  await s.createTenants(T);
  if (s.tdb.kind === 'postgres') {
    const tables = await s.tdb.owner.query<{ relname: string }>("select relname from pg_class where relnamespace = 'public'::regnamespace and relkind = 'r'");
    for (const { relname } of tables) await s.tdb.owner.query(`alter table ${relname} set (autovacuum_enabled = false)`);
  }
  const res = await s.fhir(T, '', { json: bundle() });
  expect(res.status).toBe(200);
  const body = await res.json() as { entry: { response: { location: string } }[] };
  for (const e of body.entry) {
    const [type, id] = e.response.location.split('/');
    ids[type!]!.push(id!);
  }
}, 300_000);
afterAll(() => s.close());

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Index Cond'?: string;
  Filter?: string;
  'Actual Loops'?: number;
  'Actual Rows'?: number;
  'Rows Removed by Filter'?: number;
  Plans?: PlanNode[];
}
const nodes = (n: PlanNode): PlanNode[] => [n, ...(n.Plans ?? []).flatMap(nodes)];
const searched = (n: PlanNode) => n['Relation Name'] !== undefined && /^(shared_)?(resource|search_[a-z]+)$/.test(n['Relation Name']);

/** The statements a search runs, captured from the repository's transaction. */
async function capture(type: string, query: string, compartment?: string, page?: PageCursor): Promise<{ text: string; params: readonly unknown[] }[]> {
  const req = parseSearch([type], [...new URLSearchParams(query).entries()], { defaultCount: 20, maxCount: 100, base: 'http://x/fhir', strict: true });
  req.page = page;
  // As the compartment handler adds it (src/fhir/handlers/search.ts).
  if (compartment) req.clauses.push({ kind: 'compartment', codes: { Observation: ['subject', 'performer'] }, ownerType: 'Patient', ownerId: compartment });
  const seen: { text: string; params: readonly unknown[] }[] = [];
  await withTenant(s.tdb.db, T, async (tx) => {
    const recording: Tx = { query: (text, params = []) => (seen.push({ text, params }), tx.query(text, params)) };
    await new Repository(recording, { scope: { kind: 'tenant', tenantId: T }, sharedTypes: s.config.sharedResourceTypes }).search(req);
  });
  return seen;
}

const literal = (v: unknown): string => {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return `array[${v.map(literal).join(', ')}]`;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return `'${String(v).replace(/'/g, "''")}'`;
};

/** The generic plan of a statement, run (EXPLAIN ANALYZE, for the loop counts) as the repository runs it. */
async function plan(text: string, params: readonly unknown[]): Promise<PlanNode[]> {
  return withTenant(s.tdb.db, T, async (tx) => {
    // PREPARE needs every parameter's type; the driver would have asked the server for them.
    const types = params.map((p) => (Array.isArray(p) ? (typeof p[0] === 'number' ? 'numeric[]' : 'text[]') : typeof p === 'number' ? 'numeric' : typeof p === 'boolean' ? 'boolean' : 'text'));
    await tx.query(`prepare q${types.length ? `(${types.join(', ')})` : ''} as ${text}`);
    // EXECUTE takes no bound parameters (a utility statement): the values go in as literals.
    const args = params.map((p, i) => `${literal(p)}::${types[i]}`).join(', ');
    const [row] = await tx.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] | string }>(
      `explain (analyze, format json) execute q${params.length ? `(${args})` : ''}`);
    await tx.query('deallocate q');
    const out = row!['QUERY PLAN'];
    return nodes((typeof out === 'string' ? JSON.parse(out) : out)[0].Plan);
  });
}

/** What is wrong with a plan: scans of whole tables, scans not led by the tenant, per-row lookups that are not key lookups. */
function problems(all: PlanNode[], listsType: boolean): string[] {
  const out: string[] = [];
  for (const n of all.filter(searched)) {
    const what = `${n['Node Type']} on ${n['Relation Name']} ${n['Index Name'] ?? ''} [${n['Index Cond'] ?? ''}] filter [${n.Filter ?? ''}] x${n['Actual Loops']}`;
    if (/Seq Scan/.test(n['Node Type'])) { out.push(what); continue; }
    if (!/Index/.test(n['Node Type'])) continue;
    const cond = n['Index Cond'] ?? '';
    if (!n['Relation Name']!.startsWith('shared_') && !/tenant_id =/.test(cond)) out.push(`not tenant-led: ${what}`);
    // Bounded beyond tenant (and type): a key, a code, a value, a time.
    const bounded = /\b(id|target_id|code|value|c1_value|low|high|last_updated) (=|>|<|>=|<=) /.test(cond);
    if (!bounded && !listsType) out.push(`reads a whole type: ${what}`);
    if ((n['Actual Loops'] ?? 1) > 1 && !/\b(id|target_id) = /.test(cond)) out.push(`per-row lookup without a key: ${what}`);
  }
  return out;
}

const first = (type: string) => ids[type]![0]!;

// [type, query, expected total, reads the type's rows by design (no clause narrows it)]
const MATRIX: [string, string, number | (() => number), boolean?][] = [
  ['Patient', 'gender=male', 100],
  ['Patient', 'name=fam1', 111],
  ['Patient', 'name:contains=am19', 11],
  ['Patient', 'name:exact=Fam7', 1],
  ['Patient', 'birthdate=ge1990-01-01', 60],
  ['Patient', 'identifier=http://x|id5', 1],
  ['Observation', 'code=http://loinc.org|c3', 8],
  ['Observation', 'code=c3,c4&status=final', 16],
  ['Observation', 'code:not=c3', 392, true],
  ['Observation', 'value-quantity=gt50', 196],
  ['Observation', 'date=ge2020-01-15', 196],
  ['Observation', 'code-value-quantity=http://loinc.org|c3$gt10', 4],
  ['Observation', 'subject=Patient/PATIENT0', 2],
  ['Observation', 'subject:Patient.name=fam1', 222],
  ['Observation', 'subject:Patient.organization.name=org1', 40],
  ['Observation', 'subject:Patient.organization.partof.name=roota', 200],
  ['Observation', 'encounter.subject:Patient.organization.partof.name:contains=oota', 200],
  ['Observation', 'encounter.subject:Patient.organization.partof.name:contains=oota&code=c3', 4],
  ['Patient', '_has:Observation:patient:code=c3', 8],
  ['Patient', '_has:Encounter:patient:_has:Observation:encounter:code=c3', 8],
  ['Patient', '_has:Observation:patient:code=c3&gender=male', 4],
  ['Patient', '_has:Observation:patient:code:not=c3', PATIENTS],
  ['Observation', 'subject:Patient.gender:missing=true', 0],
  ['Patient', '_id=PATIENT0&_revinclude=Observation:subject', 1],
  ['Observation', 'code=c3&_include=Observation:subject&_include:iterate=Patient:organization', 8],
  ['Observation', 'code=c3&_include=Observation:subject&_revinclude:iterate=Encounter:subject', 8],
  ['Patient', 'gender=female&_sort=-birthdate', 100],
  ['Patient', 'name=fam1&_sort=name', 111],
  ['Patient', '', PATIENTS, true],
  ['Patient', 'gender:missing=true', 0, true],
  ['Encounter', 'patient=Patient/PATIENT0&_lastUpdated=gt2000-01-01', 1],
  ['Organization', 'name=org', 10],
  ['Observation', 'patient=Patient/PATIENT0&code=c0,c1&_sort=-date', 2],
  ['Observation', 'subject=Patient/PATIENT0&code=http://loinc.org|c0&date=ge2020-01-01', 1],
];

const withIds = (q: string) => q.replace(/PATIENT0/g, first('Patient'));

describe('search plans on a fresh database (no ANALYZE)', () => {
  it.each(MATRIX)('%s?%s answers correctly', async (type, query, expected) => {
    const res = await s.fhir(T, `/${type}?${withIds(query)}${query ? '&' : ''}_total=accurate&_count=5`);
    expect(res.status).toBe(200);
    const body = await res.json() as { total: number; entry?: { resource: { resourceType: string }; search: { mode: string } }[] };
    expect(body.total).toBe(typeof expected === 'function' ? expected() : expected);
    if (query.includes('_include=Observation:subject')) {
      expect(body.entry!.some((e) => e.search.mode === 'include' && e.resource.resourceType === 'Patient')).toBe(true);
      const iterated = query.includes('Patient:organization') ? 'Organization' : 'Encounter';
      expect(body.entry!.some((e) => e.search.mode === 'include' && e.resource.resourceType === iterated)).toBe(true);
    }
    if (query.includes('_revinclude=Observation')) expect(body.entry!.filter((e) => e.search.mode === 'include')).toHaveLength(2);
  });

  it.each(MATRIX)('%s?%s: tenant-led, index-driven, key lookups per row', async (type, query, _expected, listsType) => {
    const statements = await capture(type, `${withIds(query)}${query ? '&' : ''}_total=accurate`);
    expect(statements.length).toBeGreaterThan(0);
    for (const st of statements) {
      const all = await plan(st.text, st.params);
      const found = problems(all, listsType === true && !/distinct a\.(target_type|id)/.test(st.text));
      if (process.env.SHOW_PLANS) console.log(type, query, st.text.slice(0, 60), JSON.stringify(all.filter(searched).map((n) => [n['Node Type'], n['Index Name'], n['Index Cond'], n['Actual Loops']])));
      expect(found, st.text).toEqual([]);
    }
  });
});

// The same tenant once ANALYZE has seen it: alone in its database, its tenant_id matches every
// row, so an index led by tenant_id alone costs about as much as a key lookup. The shared set is
// empty here, and with statistics the planner rightly reads an empty table by a sequential scan.
describe('search plans once ANALYZE has seen the tenant', () => {
  beforeAll(async () => {
    await s.tdb.owner.query('analyze');
  });
  it.each(MATRIX)('%s?%s: key lookups per row, with statistics', async (type, query, _expected, listsType) => {
    const statements = await capture(type, `${withIds(query)}${query ? '&' : ''}_total=accurate`);
    for (const st of statements) {
      const found = problems(await plan(st.text, st.params), listsType === true && !/distinct a\.(target_type|id)/.test(st.text));
      expect(found.filter((p) => !p.startsWith('Seq Scan on shared_')), st.text).toEqual([]);
    }
  });
});

describe('the Patient compartment on a fresh database', () => {
  it('Patient/{id}/Observation answers, through the reverse reference index', async () => {
    const res = await s.fhir(T, `/Patient/${first('Patient')}/Observation?_total=accurate`);
    expect(res.status).toBe(200);
    expect((await res.json()).total).toBe(2);
    for (const st of await capture('Observation', '_total=accurate', first('Patient'))) {
      expect(problems(await plan(st.text, st.params), false), st.text).toEqual([]);
    }
  });
});

describe('the measured case of issue 12', () => {
  it('_has:Observation:patient:code= answers, correctly, on a fresh database of 400 Patients and 1,200 Observations', async () => {
    const tenant = 'issue-12';
    await s.createTenants(tenant);
    const entry: unknown[] = [];
    for (let i = 0; i < 400; i++) {
      entry.push({ fullUrl: `urn:uuid:p-${i}`, resource: { resourceType: 'Patient', gender: 'male' }, request: { method: 'POST', url: 'Patient' } });
      for (let j = 0; j < 3; j++) {
        entry.push({
          fullUrl: `urn:uuid:o-${i}-${j}`, request: { method: 'POST', url: 'Observation' },
          resource: { resourceType: 'Observation', status: 'final', code: { coding: [{ code: `c${(i * 3 + j) % 50}` }] }, subject: { reference: `urn:uuid:p-${i}` } },
        });
      }
    }
    const load = await s.fhir(tenant, '', { json: { resourceType: 'Bundle', type: 'transaction', entry }, headers: { prefer: 'return=minimal' } });
    expect(load.status).toBe(200);
    const res = await s.fhir(tenant, '/Patient?_has:Observation:patient:code=c3&_total=accurate&_count=100');
    expect(res.status).toBe(200);
    // code c3 is on observations 3 + 50m (m = 0..23), each of a different patient.
    expect((await res.json()).total).toBe(24);
  }, 300_000);
});

describe('a later page ordered by _lastUpdated on a fresh database', () => {
  /*
   * Later pages order the type as of the first page's time (to-sql.ts: asOf). The order must stay
   * an index walk bounded by the page: rows read = the page (+1) + rows changed since the first
   * page, never every row of the type, even when they all share one time (one bundle wrote them).
   * Before, the ORDER BY over the snapshot expression read and sorted all of them (200 here).
   */
  const COUNT = 10;
  it.each(['', '_sort=-_lastUpdated', '_sort=_lastUpdated'])('Patient?%s: a second page reads about a page of rows, through the last_updated index', async (query) => {
    const asc = query === '_sort=_lastUpdated';
    const [row] = await s.tdb.owner.query<{ t: string; id: string }>(
      `select to_char(last_updated at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as t, id from resource where tenant_id = $1 and resource_type = 'Patient'
       order by last_updated ${asc ? 'asc' : 'desc'}, id ${asc ? 'asc' : 'desc'} offset 30 limit 1`, [T]);
    // The first page's time, then one of the rows changed since: it keeps its place as of then.
    const snapshot = new Date().toISOString();
    const changed = ids.Patient![7]!;
    const res = await s.fhir(T, `/Patient/${changed}`, { method: 'PUT', json: { resourceType: 'Patient', id: changed, gender: 'other' } });
    expect(res.status).toBe(200);
    const page: PageCursor = { dir: 'after', keys: [row!.t], type: 'Patient', id: row!.id, snapshot };
    const statements = await capture('Patient', `${query}${query ? '&' : ''}_count=${COUNT}&_total=none`, undefined, page);
    expect(statements).toHaveLength(1);
    const all = await plan(statements[0]!.text, statements[0]!.params);
    const reads = all.filter(searched).filter((n) => n['Relation Name'] === 'resource');
    if (process.env.SHOW_PLANS) console.log(query, JSON.stringify(all.map((n) => [n['Node Type'], n['Index Name'], n['Index Cond'], n['Actual Rows'], n['Actual Loops']])));
    expect(reads.length).toBeGreaterThan(0);
    expect(all[0]!['Node Type']).toBe('Limit');
    expect(all[0]!['Actual Rows']).toBe(COUNT + 1);
    for (const n of reads) {
      const what = `${n['Node Type']} ${n['Index Name']} [${n['Index Cond']}] filter [${n.Filter ?? ''}]`;
      expect(n['Node Type'], what).toMatch(/Index/);
      expect(n['Index Cond'], what).toMatch(/last_updated [<>]/);
      // A page plus one, plus the changed row: far below the type's 200.
      const read = ((n['Actual Rows'] ?? 0) + (n['Rows Removed by Filter'] ?? 0)) * (n['Actual Loops'] ?? 1);
      expect(read, what).toBeLessThanOrEqual(2 * COUNT);
    }
    expect(problems(all, false), statements[0]!.text).toEqual([]);
  });
});
