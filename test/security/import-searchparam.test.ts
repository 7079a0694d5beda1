import { pino } from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { bulkJobHandlers } from '../../src/bulk/index.js';
import { startJobRunner } from '../../src/bulk/runner.js';
import { startTestServer, type TestServer } from '../helpers/app.js';

/*
 * $import writes through the bulk path, which does not run a SearchParameter's write checks
 * (expression cost, code collisions, at most MAX_PARAMS_PER_SCOPE active) nor bump the scope's
 * version: 61 imported parameters (one calling descendants()) were all stored, and became active
 * with the next SearchParameter written through the API. SearchParameters are refused by $import.
 */
let s: TestServer;
beforeAll(async () => { s = await startTestServer(); await s.createTenants('is-a'); });
afterAll(() => s.close());

const sp = (id: string, expression: string) => ({
  resourceType: 'SearchParameter', id, url: `http://example.org/sp/${id}`, name: id, status: 'active', description: 'x', code: id, base: ['Patient'], type: 'string', expression,
});

it('$import refuses SearchParameters (422 each, in the error file); the limit on active ones holds', async () => {
  const many = Array.from({ length: 60 }, (_, i) => sp(`imp${i}`, 'Patient.name.family'));
  const ndjson = [sp('imp-bad', 'Patient.descendants().where(url = \'x\')'), ...many, { resourceType: 'Patient', id: 'is-p' }].map((r) => JSON.stringify(r)).join('\n');
  const kick = await s.fhir('is-a', '/$import', { method: 'POST', headers: { prefer: 'respond-async', 'content-type': 'application/fhir+ndjson' }, body: ndjson });
  expect(kick.status).toBe(202);
  const runner = startJobRunner({ db: s.tdb.db, config: s.config, log: pino({ level: 'silent' }) }, bulkJobHandlers(s.config));
  await runner.drain();
  await runner.stop();
  const path = (kick.headers.get('content-location') ?? '').replace(/^.*\/\$import/, '/$import');
  const manifest = await (await s.fhir('is-a', path)).json();
  expect(manifest.output).toEqual([{ type: 'Resource', count: 1, created: 1 }]);
  expect(manifest.error[0].count).toBe(61);
  expect((await s.fhir('is-a', '/SearchParameter/imp5')).status).toBe(404);
  // The next parameter written through the API does not bring any imported one to life.
  expect((await s.fhir('is-a', '/SearchParameter/ok', { method: 'PUT', json: sp('ok', 'Patient.name.given') })).status).toBe(201);
  expect((await s.fhir('is-a', '/Patient?imp55=x', { headers: { prefer: 'handling=strict' } })).status).toBe(400);
});
