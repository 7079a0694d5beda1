import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runView } from '../../src/analytics/run-view.js';
import { createApp } from '../../src/app.js';
import { openPostgres } from '../../src/db/postgres.js';
import { BASE, startTestServer, type TestServer } from '../helpers/app.js';
import { MAX_PATCH_COPY_BYTES } from '../../src/fhir/patch/patch-limits.js';
import { NO_POOLER, POSTGRES, needs } from '../helpers/requires.js';

/*
 * Requests whose cost used to grow without bound (issue 12): each now gets a 4xx
 * OperationOutcome `too-costly` quickly, on both backends. The bounds below are generous (these
 * used to take from 25 s to forever); none is a latency target.
 */
let s: TestServer;
const T = 'costly';
const BOUND_MS = 20_000;

beforeAll(async () => {
  s = await startTestServer();
  await s.createTenants(T);
  const entry = [
    { request: { method: 'PUT', url: 'Patient/p1' }, resource: { resourceType: 'Patient', id: 'p1', extension: [{ url: 'http://x', valueString: 'v' }], name: [{ family: 'F' }] } },
    { request: { method: 'PUT', url: 'Observation/o1' }, resource: { resourceType: 'Observation', id: 'o1', status: 'final', code: { coding: [{ system: 'http://s', code: 'x' }] }, subject: { reference: 'Patient/p1' }, valueString: 'v' } },
  ];
  expect((await s.fhir(T, '', { json: { resourceType: 'Bundle', type: 'transaction', entry } })).status).toBe(200);
});
afterAll(() => s.close());

async function costly(res: Response, status: number): Promise<string> {
  const body = await res.json();
  expect(res.status, JSON.stringify(body).slice(0, 500)).toBe(status);
  expect(body.resourceType).toBe('OperationOutcome');
  expect(body.issue[0].code).toBe('too-costly');
  return body.issue[0].diagnostics as string;
}

async function timed<T>(fn: () => Promise<T>): Promise<T> {
  const started = performance.now();
  const out = await fn();
  expect(performance.now() - started).toBeLessThan(BOUND_MS);
  return out;
}

const run = (view: unknown) => s.fhir(T, '/ViewDefinition/$run', { json: { resourceType: 'Parameters', parameter: [{ name: 'viewResource', resource: view }] } });
const view = (select: unknown[], resource = 'Observation') => ({ resourceType: 'ViewDefinition', resource, status: 'active', select });

describe('ViewDefinition $run', () => {
  it('compiles ofType() nested 16 deep in linear size (it was 13.8 MB of SQL) and runs it', async () => {
    let path = 'value';
    for (let i = 0; i < 16; i++) path = `${path}.ofType(string).value`;
    const res = await timed(() => run(view([{ column: [{ name: 'x', path }, { name: 'id', path: 'id' }] }])));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual([{ x: null, id: 'o1' }]);
  });

  it('refuses paths past the caps on length, bracket nesting and compiled SQL (422 too-costly)', async () => {
    const long = `id${' or id.exists()'.repeat(300)}`;
    expect(await costly(await run(view([{ column: [{ name: 'x', path: long }] }])), 422)).toContain('4096');
    const nested = `${'('.repeat(40)}id${')'.repeat(40)}`;
    expect(await costly(await run(view([{ column: [{ name: 'x', path: nested }] }])), 422)).toContain('nest');
    const many = Array.from({ length: 8_000 }, (_, i) => ({ name: `c${i}`, path: 'code.coding.display.extension.value.id' }));
    expect(await costly(await timed(() => run(view([{ column: many }]))), 422)).toContain('KiB of SQL');
  });

  it('refuses a view whose FHIRPath costs the parser too much altogether (422 too-costly), before parsing it', async () => {
    // Each path is within every per-path cap; together they would hold the event loop for seconds.
    const path = Array.from({ length: 60 }, (_, i) => `where(id = '${i}')`).join('.');
    const many = Array.from({ length: 40 }, (_, i) => ({ name: `c${i}`, path }));
    expect(await costly(await timed(() => run(view([{ column: many }]))), 422)).toContain('operators and function calls');
  });

  it('stops a repeat that doubles at every level (2^64 rows with %rowIndex) with 422 too-costly', async () => {
    const bomb = view([{ repeat: ['$this', '$this'], column: [{ name: 'i', path: '%rowIndex' }] }], 'Patient');
    expect(await costly(await timed(() => run(bomb)), 422)).toContain('never descends');
    // A fan-out the compiler cannot see stops at the node cap, at run time.
    const hidden = view([{ repeat: ['$this.select($this)', '$this.select($this)'], column: [{ name: 'i', path: '%rowIndex' }] }], 'Patient');
    expect(await costly(await timed(() => run(hidden)), 422)).toContain('repeat produces more than');
    const paths = view([{ repeat: Array.from({ length: 9 }, () => 'link'), column: [{ name: 'i', path: 'id' }] }], 'Patient');
    expect(await costly(await run(paths), 422)).toContain('at most 8 paths');
  });
});

describe('patch', () => {
  const doubling = Array.from({ length: 21 }, () => ({ op: 'copy', from: '/extension', path: '/extension/-' }));

  it('stops a JSON Patch that doubles the resource at every step (413 too-costly), as a PATCH and in a transaction', async () => {
    const patch = (body: unknown) => s.fhir(T, '/Patient/p1', { method: 'PATCH', headers: { 'content-type': 'application/json-patch+json' }, body: JSON.stringify(body) });
    // The copy budget (1 MiB) runs out long before the resource reaches MAX_BODY_BYTES (16 MiB).
    expect(await costly(await timed(() => patch(doubling)), 413)).toContain('duplicate at most');
    const data = Buffer.from(JSON.stringify(doubling)).toString('base64');
    const tx = { resourceType: 'Bundle', type: 'transaction', entry: [{ request: { method: 'PATCH', url: 'Patient/p1' }, resource: { resourceType: 'Binary', contentType: 'application/json-patch+json', data } }] };
    await costly(await timed(() => s.fhir(T, '', { json: tx })), 413);
    // Nothing was stored.
    const p1 = await (await s.fhir(T, '/Patient/p1')).json();
    expect(p1.meta.versionId).toBe('1');
    expect(p1.extension).toHaveLength(1);
  });

  it(`lets the copy operations of a patch duplicate ${MAX_PATCH_COPY_BYTES} bytes, not more (413 too-costly)`, async () => {
    const big = await s.fhir(T, '/Patient', { json: { resourceType: 'Patient', extension: [{ url: 'http://x', valueString: 'x'.repeat(100_000) }] } });
    const id = (await big.json()).id as string;
    const copies = (n: number) => Array.from({ length: n }, () => ({ op: 'copy', from: '/extension/0', path: '/extension/-' }));
    const patch = (body: unknown) => s.fhir(T, `/Patient/${id}`, { method: 'PATCH', headers: { 'content-type': 'application/json-patch+json' }, body: JSON.stringify(body) });
    // About 100 KB a copy: 10 copies stay under 1 MiB, 11 do not.
    expect((await patch(copies(10))).status).toBe(200);
    expect(await costly(await patch(copies(11)), 413)).toContain('duplicate at most');
  });

  it('refuses a patch of more than 1,000 operations (413 too-costly), JSON Patch and FHIRPath Patch', async () => {
    const json = Array.from({ length: 1_001 }, () => ({ op: 'test', path: '/id', value: 'p1' }));
    const res = await s.fhir(T, '/Patient/p1', { method: 'PATCH', headers: { 'content-type': 'application/json-patch+json' }, body: JSON.stringify(json) });
    expect(await costly(res, 413)).toContain('1000 operations');
    const operation = { name: 'operation', part: [{ name: 'type', valueCode: 'replace' }, { name: 'path', valueString: 'Patient.active' }, { name: 'value', valueBoolean: true }] };
    const fhirpath = { resourceType: 'Parameters', parameter: Array.from({ length: 1_001 }, () => operation) };
    await costly(await s.fhir(T, '/Patient/p1', { method: 'PATCH', json: fhirpath }), 413);
  });
});

describe('search', () => {
  it('refuses 40,000 values of one parameter with 400 too-costly (it was a 500: too many bind parameters)', async () => {
    const values = Array.from({ length: 40_000 }, (_, i) => `v${i}`).join(',');
    const res = await timed(() => s.fhir(T, '/Patient/_search', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `name=${values}` }));
    expect(await costly(res, 400)).toContain('MAX_SEARCH_VALUES');
  });

  it('refuses a search of more than 10,000 bound values (400 too-costly) before PostgreSQL sees it', async () => {
    const dates = Array.from({ length: 100 }, (_, i) => `ge${2000 + i}`).join(',');
    const query = Array.from({ length: 50 }, () => `date=${dates}`).join('&');
    expect(await costly(await timed(() => s.fhir(T, `/Observation?${query}`)), 400)).toContain('bound values');
  });

  it('binds the values of one parameter as one array: 2 values and 100 give the same statement', async () => {
    const ids = (n: number) => Array.from({ length: n }, (_, i) => (i === n - 1 ? 'Patient/p1' : `Patient/none${i}`)).join(',');
    for (const n of [2, 100]) {
      const res = await (await s.fhir(T, `/Observation?subject=${ids(n)}&code=a,http://s|x,b`)).json();
      expect(res.entry?.map((e: { resource: { id: string } }) => e.resource.id)).toEqual(['o1']);
      const names = await (await s.fhir(T, `/Patient?name=${['nobody', 'f', 'zz'].join(',')}`)).json();
      expect(names.entry?.map((e: { resource: { id: string } }) => e.resource.id)).toEqual(['p1']);
    }
  });
});

describe.runIf(POSTGRES.met)(needs(POSTGRES, 'the database doors (PostgreSQL)'), () => {
  let side: postgres.Sql;
  beforeAll(() => {
    side = postgres(s.tdb.appUrl!, { max: 1, onnotice: () => {} });
  });
  afterAll(() => side.end());

  it('gives the one-statement read the start timeout of a transaction: 503 with Retry-After, and it never runs later', async () => {
    const db = openPostgres(s.tdb.appUrl!, { max: 2, startTimeoutMs: 500, contextKey: s.tdb.db.contextKey });
    const app = createApp({ db, config: s.config, log: pino({ level: 'silent' }) });
    const ran: string[] = [];
    await side.listen('costly_ran', (x) => ran.push(x));
    try {
      // Both connections held for 3 s: the read has to wait for one.
      const held = [1, 2].map(() => db.transaction((tx) => tx.query('select pg_sleep(3)')));
      await new Promise((r) => setTimeout(r, 200));
      const res = await timed(async () => app.request(`${BASE}/fhir/Patient/p1`, { headers: { 'x-tenant-id': T } }));
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).not.toBeNull();
      // So does the readiness check.
      expect((await timed(async () => app.request(`${BASE}/readyz`))).status).toBe(503);
      expect((await res.json()).resourceType).toBe('OperationOutcome');
      await expect(db.statement("select pg_notify('costly_ran', 'late')", [])).rejects.toThrow(/in time/);
      await Promise.all(held);
      await new Promise((r) => setTimeout(r, 500));
      expect(ran).toEqual([]);
      // The pool is free again: the read works.
      expect((await app.request(`${BASE}/fhir/Patient/p1`, { headers: { 'x-tenant-id': T } })).status).toBe(200);
    } finally {
      await db.close();
    }
  });

  // Behind PgBouncer in transaction mode nothing is prepared (DB_POOLER=pgbouncer): nothing to bound.
  it.runIf(NO_POOLER.met)(needs(NO_POOLER, 'prepares at most DB_PREPARED_STATEMENTS statement texts per connection'), async () => {
    const db = openPostgres(s.tdb.appUrl!, { max: 1, maxPrepared: 20, contextKey: s.tdb.db.contextKey });
    const app = createApp({ db, config: s.config, log: pino({ level: 'silent' }) });
    try {
      // 60 search shapes: 1 to 60 date values, each one more condition.
      for (let n = 1; n <= 60; n++) {
        const dates = Array.from({ length: n }, (_, i) => `ge${2000 + i}`).join(',');
        expect((await app.request(`${BASE}/fhir/Observation?date=${dates}`, { headers: { 'x-tenant-id': T } })).status).toBe(200);
      }
      // postgres.js prepares its own begin and commit too: fixed texts, not counted here.
      const [row] = await db.statement<{ n: number }>("select count(*)::int as n from pg_prepared_statements where statement !~* '^(begin|commit|rollback)'", []);
      expect(row!.n).toBeLessThanOrEqual(20);
      expect(db.prepared.size).toBe(20);
    } finally {
      await db.close();
    }
  });
});

describe('statement_timeout', () => {
  it('is raised by no request: $run runs under STATEMENT_TIMEOUT_MS (it set 60 s)', async () => {
    const seen: string[] = [];
    const tx = { query: async (text: string) => (seen.push(text), []) as never[] };
    await runView(tx, { scope: { kind: 'tenant', tenantId: T }, shareable: () => false }, view([{ column: [{ name: 'id', path: 'id' }] }]), 10);
    expect(seen).toHaveLength(1);
    expect(seen.join('\n')).not.toMatch(/statement_timeout/);
  });

  it('is set only where the cap of the operator is applied (src/db/doors.ts and the SQL functions)', () => {
    const root = fileURLToPath(new URL('../../src', import.meta.url));
    const files = readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
    const setting = files.filter((f) => /set_config\(\s*'statement_timeout'|set\s+(local\s+)?statement_timeout/i.test(readFileSync(join(root, f), 'utf8')));
    expect(setting).toEqual([join('db', 'doors.ts')]);
  });
});
