import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { join, MAX_BIND_PARAMETERS, sql, toQuery } from '../../src/db/sql.js';
import { MAX_PATCH_OPERATIONS } from '../../src/fhir/patch/patch-limits.js';
import { MAX_PATH_DEPTH, MAX_PATH_LENGTH, MAX_PATH_NESTING, MAX_REPEAT_PATHS, MAX_REPEAT_ROWS } from '../../src/analytics/view-limits.js';
import { startTestServer, type TestServer } from '../helpers/app.js';

/* The request limits the README documents, each enforced at its boundary. */
let s: TestServer;
const T = 'limits';

beforeAll(async () => {
  s = await startTestServer({ MAX_JSON_DEPTH: '10', MAX_SEARCH_PARAMS: '6', MAX_SEARCH_VALUES: '5', MAX_BODY_BYTES: '65536', MAX_BUNDLE_ENTRIES: '1100', MAX_COUNT: '7' });
  await s.createTenants(T);
});
afterAll(() => s.close());

async function outcome(res: Response, status: number): Promise<string> {
  const body = await res.json();
  expect(res.status, JSON.stringify(body)).toBe(status);
  expect(body.resourceType).toBe('OperationOutcome');
  return body.issue[0].diagnostics as string;
}

function depthOf(v: unknown): number {
  if (Array.isArray(v)) return 1 + Math.max(0, ...v.map(depthOf));
  if (v !== null && typeof v === 'object') return 1 + Math.max(0, ...Object.values(v).map(depthOf));
  return 0;
}

/** A Patient whose extensions nest `levels` deep: valid FHIR at every level. */
function nestedPatient(levels: number): Record<string, unknown> {
  let ext: Record<string, unknown> = { url: 'http://x', valueString: 'v' };
  for (let i = 1; i < levels; i++) ext = { url: 'http://x', extension: [ext] };
  return { resourceType: 'Patient', extension: [ext] };
}

describe('MAX_JSON_DEPTH', () => {
  it('defaults to 64, well above the deepest R4 example', () => {
    expect(loadConfig({}).maxJsonDepth).toBe(64);
  });

  it('accepts a body at the limit and refuses one a level deeper (413), in every kind of body', async () => {
    const ok = nestedPatient(4);
    const deep = nestedPatient(5);
    expect(depthOf(ok)).toBe(9);
    expect(depthOf(deep)).toBe(11);
    expect((await s.fhir(T, '/Patient', { json: ok })).status).toBe(201);
    expect(await outcome(await s.fhir(T, '/Patient', { json: deep }), 413)).toContain('MAX_JSON_DEPTH');
    await outcome(await s.fhir(T, '/Patient/$validate', { json: deep }), 413);
    await outcome(await s.fhir(T, '/Patient/deep', { method: 'PUT', json: { ...deep, id: 'deep' } }), 413);
    await outcome(await s.fhir(T, '', { json: { resourceType: 'Bundle', type: 'batch', entry: [{ request: { method: 'POST', url: 'Patient' }, resource: ok }] } }), 413);
    await outcome(await s.admin(`/tenants/${T}`, { method: 'PATCH', json: { config: { a: { b: { c: { d: { e: { f: { g: { h: { i: { j: {} } } } } } } } } } } } }), 413);
    expect((await (await s.admin(`/tenants/${T}`)).json()).config).toEqual({});
  });

  it('refuses what used to overflow the stack (a 500) with 413', async () => {
    const depth = 100_000;
    const body = `{"resourceType":"Bundle","type":"transaction","entry":[{"request":{"method":"POST","url":"Patient"},"resource":{"resourceType":"Patient","name":${'['.repeat(depth)}${']'.repeat(depth)}}}]}`;
    await outcome(await s.request(`/tenants/${T}/fhir`, { method: 'POST', headers: { 'content-type': 'application/fhir+json' }, body }), 413);
  });

  it('looks into the JSON Patch a transaction carries in a Binary', async () => {
    const patch = [{ op: 'add', path: '/extension', value: nestedPatient(6).extension }];
    const data = Buffer.from(JSON.stringify(patch)).toString('base64');
    const id = (await (await s.fhir(T, '/Patient', { json: { resourceType: 'Patient' } })).json()).id as string;
    const res = await s.fhir(T, '', { json: { resourceType: 'Bundle', type: 'transaction', entry: [{ request: { method: 'PATCH', url: `Patient/${id}` }, resource: { resourceType: 'Binary', contentType: 'application/json-patch+json', data } }] } });
    expect(await outcome(res, 413)).toContain('MAX_JSON_DEPTH');
  });

  it('counts brackets of the JSON only: not inside strings, not in form posts', async () => {
    const brackets = '[[[[[[[[[[[[[[{{{{{{{{{{{{ \\" [[[[[[[[[[[[[[[';
    expect((await s.fhir(T, '/Patient', { json: { resourceType: 'Patient', name: [{ family: brackets }] } })).status).toBe(201);
    const form = await s.fhir(T, '/Patient/_search', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `name=${encodeURIComponent(brackets)}` });
    expect(form.status).toBe(200);
  });
});

describe('MAX_SEARCH_PARAMS', () => {
  it('defaults to 50', () => {
    expect(loadConfig({}).maxSearchParams).toBe(50);
  });

  it('accepts a search with as many parameters as the limit and refuses one more (400), wherever a search runs', async () => {
    const params = (n: number) => Array.from({ length: n }, (_, i) => (i % 2 ? `name=n${i}` : `_count=${i + 1}`)).join('&');
    expect((await s.fhir(T, `/Patient?${params(6)}`)).status).toBe(200);
    expect(await outcome(await s.fhir(T, `/Patient?${params(7)}`), 400)).toContain('MAX_SEARCH_PARAMS');
    await outcome(await s.fhir(T, `/?${params(7)}`), 400);
    await outcome(await s.fhir(T, '/Patient/_search', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: params(7) }), 400);
    await outcome(await s.fhir(T, `/Patient?${params(7)}`, { method: 'DELETE' }), 400);
    await outcome(await s.fhir(T, '/Patient', { headers: { 'if-none-exist': params(7) }, json: { resourceType: 'Patient' } }), 400);
    await outcome(await s.fhir(T, '', { json: { resourceType: 'Bundle', type: 'transaction', entry: [{ request: { method: 'GET', url: `Patient?${params(7)}` } }] } }), 400);
  });

  // Not timed (the machine may be slow): the refusal names the cap, so it came from counting the
  // parameters, before any of the 2,000 was parsed or planned.
  it('refuses a search of many parameters by counting them, before parsing any', async () => {
    expect(await outcome(await s.fhir(T, `/Patient?${Array.from({ length: 2_000 }, (_, i) => `name=${i}`).join('&')}`), 400)).toContain('MAX_SEARCH_PARAMS');
  });
});

describe('MAX_BODY_BYTES', () => {
  it('refuses a body over the limit (413), announced by Content-Length or streamed without it', async () => {
    const big = JSON.stringify({ resourceType: 'Patient', name: [{ family: 'x'.repeat(70_000) }] });
    const headers = { 'content-type': 'application/fhir+json' };
    await outcome(await s.request(`/tenants/${T}/fhir/Patient`, { method: 'POST', headers: { ...headers, 'content-length': String(Buffer.byteLength(big)) }, body: big }), 413);
    const stream = new ReadableStream({
      start(c) {
        c.enqueue(new TextEncoder().encode(big));
        c.close();
      },
    });
    await outcome(await s.request(`/tenants/${T}/fhir/Patient`, { method: 'POST', headers, body: stream, duplex: 'half' } as RequestInit), 413);
    expect((await s.fhir(T, '/Patient', { json: { resourceType: 'Patient', name: [{ family: 'x'.repeat(60_000) }] } })).status).toBe(201);
  });
});

describe('MAX_BUNDLE_ENTRIES', () => {
  it('refuses a bundle with more entries (413), and a tenant may set a lower maxBundleEntries, for a batch as a whole', async () => {
    const bundle = (n: number) => ({ resourceType: 'Bundle', type: 'batch', entry: Array.from({ length: n }, () => ({ request: { method: 'GET', url: 'Patient?_count=1' } })) });
    expect(await outcome(await s.fhir(T, '', { json: bundle(1101) }), 413)).toContain('1100');
    await s.admin('/tenants', { json: { id: 'limits-small', name: 'small', config: { maxBundleEntries: 3 } } });
    expect((await s.fhir('limits-small', '', { json: bundle(3) })).status).toBe(200);
    await outcome(await s.fhir('limits-small', '', { json: bundle(4) }), 413);
    await outcome(await s.fhir('limits-small', '', { json: { ...bundle(4), type: 'transaction' } }), 413);
    // Checked once for the batch, before any entry: so also for an empty one.
    await outcome(await s.fhir('nobody-here', '', { json: bundle(0) }), 404);
  });
});

describe('MAX_COUNT', () => {
  it('caps _count, in the page and in its links, and a tenant may set a lower maxCount', async () => {
    await s.fhir(T, '', { json: { resourceType: 'Bundle', type: 'transaction', entry: Array.from({ length: 9 }, () => ({ request: { method: 'POST', url: 'Patient' }, resource: { resourceType: 'Patient', active: true } })) } });
    const page = await (await s.fhir(T, '/Patient?active=true&_count=1000')).json();
    expect(page.entry).toHaveLength(7);
    expect(page.link.find((l: { relation: string }) => l.relation === 'next').url).toContain('_count=7');
    const history = await (await s.fhir(T, '/_history?_count=1000')).json();
    expect(history.entry).toHaveLength(7);
    await s.admin('/tenants', { json: { id: 'limits-count', name: 'count', config: { maxCount: 3 } } });
    await s.fhir('limits-count', '', { json: { resourceType: 'Bundle', type: 'transaction', entry: Array.from({ length: 5 }, () => ({ request: { method: 'POST', url: 'Patient' }, resource: { resourceType: 'Patient' } })) } });
    expect((await (await s.fhir('limits-count', '/Patient?_count=1000')).json()).entry).toHaveLength(3);
  });
});

describe('chains and includes', () => {
  beforeAll(async () => {
    // Patient link chain c0 → c1 → ... → c6, and an Observation on c0.
    const entry = Array.from({ length: 7 }, (_, i) => ({
      request: { method: 'PUT', url: `Patient/c${i}` },
      resource: { resourceType: 'Patient', id: `c${i}`, ...(i < 6 ? { link: [{ other: { reference: `Patient/c${i + 1}` }, type: 'seealso' }] } : {}), name: [{ family: `Chain${i}` }] },
    }));
    entry.push({ request: { method: 'PUT', url: 'Observation/c-obs' }, resource: { resourceType: 'Observation', id: 'c-obs', status: 'final', code: { text: 'x' }, subject: { reference: 'Patient/c0' } } as never });
    expect((await s.fhir(T, '', { json: { resourceType: 'Bundle', type: 'transaction', entry } })).status).toBe(200);
  });

  it('follows a chain of 4 links and refuses a 5th (400)', async () => {
    const chain = (n: number) => `/Observation?subject:Patient.${'link:Patient.'.repeat(n - 1)}family=Chain${n - 1}`;
    const four = await (await s.fhir(T, chain(4))).json();
    expect(four.entry.map((e: { resource: { id: string } }) => e.resource.id)).toEqual(['c-obs']);
    expect(await outcome(await s.fhir(T, chain(5)), 400)).toContain('Chains deeper than 4');
    await outcome(await s.fhir(T, `/Patient?${'_has:Patient:link:'.repeat(5)}family=Chain0`), 400);
  });

  it('follows _include:iterate three rounds after the first: four levels of links', async () => {
    const res = await (await s.fhir(T, '/Patient?_id=c0&_include:iterate=Patient:link')).json();
    const included = res.entry.filter((e: { search: { mode: string } }) => e.search.mode === 'include').map((e: { resource: { id: string } }) => e.resource.id);
    expect(included.sort()).toEqual(['c1', 'c2', 'c3', 'c4']);
  });
});

describe('MAX_SEARCH_VALUES', () => {
  it('defaults to 100', () => {
    expect(loadConfig({}).maxSearchValues).toBe(100);
  });

  it('accepts a parameter with as many values as the limit and refuses one more (400 too-costly), _id and _sort included', async () => {
    const values = (n: number) => Array.from({ length: n }, (_, i) => `v${i}`).join(',');
    expect((await s.fhir(T, `/Patient?identifier=${values(5)}`)).status).toBe(200);
    expect(await outcome(await s.fhir(T, `/Patient?identifier=${values(6)}`), 400)).toContain('MAX_SEARCH_VALUES');
    expect((await s.fhir(T, `/Patient?_id=${values(5)}`)).status).toBe(200);
    await outcome(await s.fhir(T, `/Patient?_id=${values(6)}`), 400);
    await outcome(await s.fhir(T, `/Patient?_sort=${Array.from({ length: 6 }, () => '_id').join(',')}`), 400);
    await outcome(await s.fhir(T, '/Observation/_search', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `subject:Patient.name=${values(6)}` }), 400);
  });

  it('refuses a statement of more than MAX_BIND_PARAMETERS bound values before it is sent', () => {
    const of = (n: number) => join(Array.from({ length: n }, (_, i) => sql`${i}`), ', ');
    expect(toQuery(sql`select ${of(MAX_BIND_PARAMETERS)}`).params).toHaveLength(MAX_BIND_PARAMETERS);
    expect(() => toQuery(sql`select ${of(MAX_BIND_PARAMETERS + 1)}`)).toThrow(/at most 10000/);
  });
});

describe('patch limits', () => {
  const jsonPatch = (id: string, ops: unknown[]) => s.fhir(T, `/Patient/${id}`, { method: 'PATCH', headers: { 'content-type': 'application/json-patch+json' }, body: JSON.stringify(ops) });
  let id = '';
  beforeAll(async () => {
    id = (await (await s.fhir(T, '/Patient', { json: { resourceType: 'Patient', extension: [{ url: 'http://x', valueString: 'x'.repeat(10_000) }] } })).json()).id as string;
  });

  it(`accepts ${MAX_PATCH_OPERATIONS} operations and refuses one more (413 too-costly)`, async () => {
    const ops = (n: number) => Array.from({ length: n }, () => ({ op: 'test', path: '/resourceType', value: 'Patient' }));
    expect((await jsonPatch(id, ops(MAX_PATCH_OPERATIONS))).status).toBe(200);
    expect(await outcome(await jsonPatch(id, ops(MAX_PATCH_OPERATIONS + 1)), 413)).toContain(`${MAX_PATCH_OPERATIONS} operations`);
  });

  it('lets a patch grow the resource up to MAX_BODY_BYTES (65,536 here), not past it (413 too-costly)', async () => {
    const copy = { op: 'copy', from: '/extension/0', path: '/extension/-' };
    // About 10 KB per copy: 5 copies stay under 64 KiB, 6 do not.
    const five = await jsonPatch(id, Array.from({ length: 5 }, () => copy));
    expect(five.status).toBe(200);
    expect((await five.json()).extension).toHaveLength(6);
    expect(await outcome(await jsonPatch(id, [copy]), 413)).toContain('MAX_BODY_BYTES');
    expect((await (await s.fhir(T, `/Patient/${id}`)).json()).extension).toHaveLength(6);
  });
});

describe('ViewDefinition limits', () => {
  const run = (tenant: string, select: unknown[], resource = 'Patient') => s.fhir(tenant, '/ViewDefinition/$run', {
    json: { resourceType: 'Parameters', parameter: [{ name: 'viewResource', resource: { resourceType: 'ViewDefinition', resource, status: 'active', select } }] },
  });
  const column = (path: string) => [{ column: [{ name: 'x', path }] }];

  it(`takes a FHIRPath expression of ${MAX_PATH_LENGTH} characters, not one more (422 too-costly)`, async () => {
    const of = (n: number) => `id${' '.repeat(n - 2)}`;
    expect((await run(T, column(of(MAX_PATH_LENGTH)))).status).toBe(200);
    expect(await outcome(await run(T, column(of(MAX_PATH_LENGTH + 1))), 422)).toContain(String(MAX_PATH_LENGTH));
  });

  it(`nests brackets ${MAX_PATH_NESTING} deep and a syntax tree ${MAX_PATH_DEPTH} deep, not deeper (422 too-costly)`, async () => {
    const brackets = (n: number) => `${'('.repeat(n)}id${')'.repeat(n)}`;
    expect((await run(T, column(brackets(MAX_PATH_NESTING)))).status).toBe(200);
    await outcome(await run(T, column(brackets(MAX_PATH_NESTING + 1))), 422);
    const chain = (n: number) => `id${'.id'.repeat(n - 1)}`;
    expect((await run(T, column(chain(MAX_PATH_DEPTH)))).status).toBe(200);
    expect(await outcome(await run(T, column(chain(MAX_PATH_DEPTH + 1))), 422)).toContain(String(MAX_PATH_DEPTH));
  });

  it(`takes ${MAX_REPEAT_PATHS} repeat paths and ${MAX_REPEAT_ROWS} repeat nodes per resource, not more (422 too-costly)`, async () => {
    const repeat = (paths: string[]) => [{ repeat: paths, column: [{ name: 'i', path: '%rowIndex' }] }];
    expect((await run(T, repeat(Array.from({ length: MAX_REPEAT_PATHS }, () => 'link')))).status).toBe(200);
    await outcome(await run(T, repeat(Array.from({ length: MAX_REPEAT_PATHS + 1 }, () => 'link'))), 422);
    // A tenant without validation may store any JSON: one array of exactly that many nodes.
    await s.admin('/tenants', { json: { id: 'limits-raw', name: 'raw', config: { validation: false } } });
    for (const [id, n] of [['at', MAX_REPEAT_ROWS], ['over', MAX_REPEAT_ROWS + 1]] as const) {
      const res = await s.fhir('limits-raw', `/Patient/${id}`, { method: 'PUT', json: { resourceType: 'Patient', id, x: Array.from({ length: n }, () => 1) } });
      expect(res.status).toBe(201);
    }
    const rows = async (id: string) => s.fhir('limits-raw', '/ViewDefinition/$run', {
      json: { resourceType: 'Parameters', parameter: [{ name: '_limit', valueInteger: 10_000 }, { name: 'viewResource', resource: { resourceType: 'ViewDefinition', resource: 'Patient', status: 'active', where: [{ path: `id = '${id}'` }], select: repeat(['x']) } }] },
    });
    const at = await rows('at');
    expect(at.status).toBe(200);
    expect(await at.json()).toHaveLength(MAX_REPEAT_ROWS);
    expect(await outcome(await rows('over'), 422)).toContain(`more than ${MAX_REPEAT_ROWS} nodes`);
  });
});
