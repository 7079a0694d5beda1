import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, startTestServer, type TestServer } from '../helpers/app.js';
import { tenantChecksum } from './helpers/checksum.js';

/*
 * Inputs the fuzz suite (fuzz.test.ts) found answered with 500, each pinned here: the answer is
 * a 4xx OperationOutcome and nothing is stored.
 */
let s: TestServer;
const T = 'bad-input';

beforeAll(async () => {
  s = await startTestServer();
  await s.createTenants(T);
  await s.fhir(T, '/Patient/p1', { method: 'PUT', json: { resourceType: 'Patient', id: 'p1', name: [{ family: 'Kept' }] } });
});
afterAll(() => s.close());

async function refused(res: Response, status = 400): Promise<string> {
  const body = await res.json();
  expect(res.status, JSON.stringify(body)).toBe(status);
  expect(body.resourceType).toBe('OperationOutcome');
  return body.issue[0].diagnostics as string;
}

const post = (path: string, body: string | Uint8Array, type = 'application/fhir+json'): Promise<Response> =>
  s.request(`/tenants/${T}/fhir${path}`, { method: 'POST', headers: { 'content-type': type }, body: body as BodyInit });

describe('JSON text that no stored resource can hold', () => {
  it('refuses \\u0000 and lone surrogates in strings (400), wherever the JSON goes', async () => {
    const before = await tenantChecksum(s.tdb.owner, T);
    for (const family of ['a\\u0000b', '\\u0000', 'a\\ud800b', '\\udc00', '\\udfff\\ud800', '\\ud83d']) {
      const patient = `{"resourceType":"Patient","name":[{"family":"${family}"}]}`;
      expect(await refused(await post('/Patient', patient))).toMatch(/u0000|surrogate/);
      await refused(await post('', `{"resourceType":"Bundle","type":"transaction","entry":[{"request":{"method":"POST","url":"Patient"},"resource":${patient}}]}`));
      await refused(await s.request(`/tenants/${T}/fhir/Patient/p1`, { method: 'PATCH', headers: { 'content-type': 'application/json-patch+json' }, body: `[{"op":"replace","path":"/name/0/family","value":"${family}"}]` }));
      await refused(await s.request(`/admin/tenants/${T}`, { method: 'PATCH', headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_TOKEN}` }, body: `{"name":"${family}"}` }));
    }
    const binary = Buffer.from('[{"op":"replace","path":"/name/0/family","value":"\\u0000"}]').toString('base64');
    await refused(await post('', JSON.stringify({ resourceType: 'Bundle', type: 'transaction', entry: [{ request: { method: 'PATCH', url: 'Patient/p1' }, resource: { resourceType: 'Binary', data: binary } }] })));
    expect(await tenantChecksum(s.tdb.owner, T)).toEqual(before);
  });

  it('keeps what is fine: escaped backslashes, pairs, other escapes, and the characters themselves', async () => {
    for (const family of ['\\\\u0000', '\\ud83d\\ude00', '\\u00e9\\n\\t\\"', '😀', 'é', '\\\\ud800']) {
      const res = await post('/Patient', `{"resourceType":"Patient","name":[{"family":"${family}"}]}`);
      expect(res.status, `${family}: ${await res.clone().text()}`).toBe(201);
      expect((await res.json()).name[0].family).toBe(JSON.parse(`"${family}"`));
    }
  });

  it('refuses a body that is not UTF-8 (400) instead of storing U+FFFD in place of the bytes', async () => {
    const before = await tenantChecksum(s.tdb.owner, T);
    for (const bad of [[0xff], [0xc3, 0x28], [0xed, 0xa0, 0x80], [0xc0, 0xaf], [0xe2, 0x82]]) {
      const body = Buffer.concat([Buffer.from('{"resourceType":"Patient","name":[{"family":"'), Buffer.from(bad), Buffer.from('"}]}')]);
      expect(await refused(await post('/Patient', new Uint8Array(body)))).toContain('UTF-8');
      await refused(await post('/Patient/_search', new Uint8Array(Buffer.concat([Buffer.from('name='), Buffer.from(bad)])), 'application/x-www-form-urlencoded'));
    }
    const binary = Buffer.concat([Buffer.from('[{"op":"replace","path":"/name/0/family","value":"'), Buffer.from([0xff]), Buffer.from('"}]')]).toString('base64');
    await refused(await post('', JSON.stringify({ resourceType: 'Bundle', type: 'transaction', entry: [{ request: { method: 'PATCH', url: 'Patient/p1' }, resource: { resourceType: 'Binary', data: binary } }] })));
    expect(await tenantChecksum(s.tdb.owner, T)).toEqual(before);
  });
});

describe('NUL in search parameters', () => {
  it('is a 400 wherever a search runs: query, form, bundle entries, conditional operations and references', async () => {
    const before = await tenantChecksum(s.tdb.owner, T);
    for (const q of ['name=%00', '_id=p1%00', 'identifier=a%7C%00', '%00=1', 'name:contains=a%00b', 'general-practitioner.name=%00', '_has:Observation:subject:code=%00']) {
      expect(await refused(await s.fhir(T, `/Patient?${q}`))).toContain('NUL');
    }
    await refused(await post('/Patient/_search', 'name=%00', 'application/x-www-form-urlencoded'));
    await refused(await s.fhir(T, '/Patient?name=%00', { method: 'PUT', json: { resourceType: 'Patient' } }));
    await refused(await s.fhir(T, '/Patient?name=%00', { method: 'DELETE' }));
    await refused(await s.fhir(T, '/Patient', { headers: { 'if-none-exist': 'name=%00' }, json: { resourceType: 'Patient' } }));
    const transaction = (entry: unknown[]) => s.fhir(T, '', { json: { resourceType: 'Bundle', type: 'transaction', entry } });
    await refused(await transaction([{ request: { method: 'GET', url: 'Patient?name=%00' } }]));
    await refused(await transaction([{ request: { method: 'DELETE', url: 'Patient?name=%00' } }]));
    await refused(await transaction([{ request: { method: 'POST', url: 'Observation' }, resource: { resourceType: 'Observation', status: 'final', code: { text: 'x' }, subject: { reference: 'Patient?name=%00' } } }]));
    const batch = await (await s.fhir(T, '', { json: { resourceType: 'Bundle', type: 'batch', entry: [{ request: { method: 'GET', url: 'Patient?name=%00' } }] } })).json();
    expect(batch.entry[0].response.status).toMatch(/^400/);
    expect(await tenantChecksum(s.tdb.owner, T)).toEqual(before);
  });
});

describe('dates at the ends of years 0001-9999', () => {
  it('are stored and searched (a zone offset moved them past year 1 or 9999 in UTC: a 500)', async () => {
    for (const when of ['0001-01-01T00:00:00+14:00', '9999-12-31T23:00:00-14:00']) {
      const res = await s.fhir(T, '/Observation', { json: { resourceType: 'Observation', status: 'final', code: { text: 'edge' }, subject: { reference: 'Patient/p1' }, effectiveDateTime: when } });
      expect(res.status, await res.clone().text()).toBe(201);
    }
    const found = await (await s.fhir(T, '/Observation?date=le0001-01-02&_summary=count')).json();
    expect(found.total).toBe(1);
    const late = await (await s.fhir(T, '/Observation?date=ge9999-12-31&_summary=count')).json();
    expect(late.total).toBe(1);
    for (const q of ['_lastUpdated=gt9999-12-31T23:00:00-14:00', '_lastUpdated=lt0001-01-01T00:00:00%2B14:00', 'date=ap0001-01-01', 'date=ap9999-12-31', '_lastUpdated=ap0001', 'date=9999-12-31T23:00:00-14:00']) {
      const res = await s.fhir(T, `/Observation?${q}`);
      expect(res.status, `${q}: ${await res.clone().text()}`).toBe(200);
    }
  });
});

describe('_since of history', () => {
  it('refuses dates that do not exist (400), which PostgreSQL would have refused with a 500', async () => {
    for (const since of ['2021-02-29', '2020-02-30T00:00:00Z', '0000-01-01T00:00:00Z', '2020-04-31', '2020-01-01T24:00:00Z']) {
      for (const path of ['/_history', '/Patient/_history', '/Patient/p1/_history']) {
        expect(await refused(await s.fhir(T, `${path}?_since=${encodeURIComponent(since)}`))).toContain('_since');
      }
    }
    // A date or a year means from its start (PostgreSQL cannot read "2020" as a timestamp: that was a 500 too).
    for (const since of ['2020-02-29', '2020-02-29T23:59:59Z', '2020-01-01T10:00+02:00', '2020', '2020-06', '0001-01-01T00:00:00+14:00']) {
      const res = await s.fhir(T, `/_history?_since=${encodeURIComponent(since)}`);
      expect(res.status, since).toBe(200);
      expect((await res.json()).entry.length, since).toBeGreaterThan(0);
    }
    expect((await (await s.fhir(T, '/_history?_since=2999')).json()).entry ?? []).toEqual([]);
  });
});

describe('$run of a view with a column named like the query\'s own aliases', () => {
  it('answers the rows (it was a 500: "function row_to_json(jsonb) does not exist")', async () => {
    for (const name of ['x', 'v', 'row']) {
      const view = { resourceType: 'ViewDefinition', status: 'active', resource: 'Patient', select: [{ column: [{ name, path: 'id' }, { name: 'family', path: 'name.family' }] }] };
      const res = await s.fhir(T, '/ViewDefinition/$run', { json: { resourceType: 'Parameters', parameter: [{ name: 'viewResource', resource: view }] } });
      expect(res.status, await res.clone().text()).toBe(200);
      expect(await res.json()).toContainEqual({ [name]: 'p1', family: 'Kept' });
    }
  });
});

describe('conditional operations in a bundle without search criteria', () => {
  it('are refused (400) like over HTTP, instead of matching every resource of the type', async () => {
    await s.fhir(T, '/Patient/p2', { method: 'PUT', json: { resourceType: 'Patient', id: 'p2', name: [{ family: 'Other' }] } });
    const before = await tenantChecksum(s.tdb.owner, T);
    const transaction = (entry: unknown[], type = 'transaction') => s.fhir(T, '', { json: { resourceType: 'Bundle', type, entry } });
    const resource = { resourceType: 'Patient', name: [{ family: 'New' }] };
    const cases: unknown[] = [
      { request: { method: 'DELETE', url: 'Patient?_count=1' } },
      { request: { method: 'DELETE', url: 'Patient?_sort=_id&_summary=true' } },
      { request: { method: 'PUT', url: 'Patient?_count=1' }, resource },
      { request: { method: 'POST', url: 'Patient', ifNoneExist: '_count=1' }, resource },
      { request: { method: 'POST', url: 'Patient', ifNoneExist: 'Patient?&' }, resource },
      { request: { method: 'POST', url: 'Observation' }, resource: { resourceType: 'Observation', status: 'final', code: { text: 'x' }, subject: { reference: 'Patient?&' } } },
      { request: { method: 'POST', url: 'Observation' }, resource: { resourceType: 'Observation', status: 'final', code: { text: 'x' }, subject: { reference: 'Patient?_total=accurate' } } },
    ];
    for (const entry of cases) {
      expect(await refused(await transaction([entry])), JSON.stringify(entry)).toContain('needs search criteria');
      const batch = await (await transaction([entry], 'batch')).json();
      expect(batch.entry[0].response.status, JSON.stringify(entry)).toMatch(/^400/);
    }
    expect(await tenantChecksum(s.tdb.owner, T)).toEqual(before);
    // With criteria they work as before: only the match goes.
    const ok = await transaction([{ request: { method: 'DELETE', url: 'Patient?family=Other' } }]);
    expect(ok.status).toBe(200);
    expect((await s.fhir(T, '/Patient/p2')).status).toBe(410);
    expect((await s.fhir(T, '/Patient/p1')).status).toBe(200);
  });
});
