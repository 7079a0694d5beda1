import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, startTestServer, type TestServer } from '../helpers/app.js';
import { tenantChecksum } from './helpers/checksum.js';
import { everyParameterCases, randomCase, type FuzzCase, type FuzzTarget } from './helpers/fuzz-cases.js';
import { countFrom, mulberry32, seedFrom } from './helpers/prng.js';
import { describeAttempt, send, type Answer } from './helpers/send.js';

/*
 * Bad input over the whole HTTP surface (seeded; replay with FUZZ_SEED=<seed>, FUZZ_CASES sets
 * the count). Oracle: every answer within the timeout, never 5xx; every 4xx an OperationOutcome;
 * every success well-formed; nothing refused is stored (the rows of the tenant that receives the
 * must-refuse cases are the same before and after); no prototype of the process polluted.
 */
const SEED = seedFrom('FUZZ_SEED');
const CASES = countFrom('FUZZ_CASES', 5_000);
const TIMEOUT_MS = 10_000;

let s: TestServer;
const target: FuzzTarget = { reject: 'fuzz-reject', any: 'fuzz-any', patient: 'fz-pat-1', observation: 'fz-obs-1' };

beforeAll(async () => {
  s = await startTestServer();
  await s.createTenants(target.reject, target.any);
  for (const tenant of [target.reject, target.any]) {
    const entry = [
      { resourceType: 'Patient', id: target.patient, name: [{ family: 'Fuzz' }], active: true },
      { resourceType: 'Observation', id: target.observation, status: 'final', code: { text: 'x' }, subject: { reference: `Patient/${target.patient}` } },
    ].map((resource) => ({ resource, request: { method: 'PUT', url: `${resource.resourceType}/${resource.id}` } }));
    const res = await s.fhir(tenant, '', { json: { resourceType: 'Bundle', type: 'transaction', entry } });
    if (res.status !== 200) throw new Error(await res.text());
  }
}, 120_000);
afterAll(() => s.close());

const PROTO_KEYS = Object.getOwnPropertyNames(Object.prototype).sort().join(',');

/** What is wrong with one answer (undefined: fine). */
function problem(c: FuzzCase, a: Answer): string | undefined {
  if (Object.getOwnPropertyNames(Object.prototype).sort().join(',') !== PROTO_KEYS || ({} as Record<string, unknown>).polluted !== undefined) {
    return 'Object.prototype was polluted';
  }
  if (a.status >= 500) return `status ${a.status}`;
  const type = a.headers.find(([k]) => k === 'content-type')?.[1] ?? '';
  if (a.status >= 400 && c.method !== 'HEAD') {
    let body: { resourceType?: string; issue?: unknown[] };
    try {
      body = JSON.parse(a.body);
    } catch {
      return `${a.status} without a JSON body (${type})`;
    }
    if (body.resourceType !== 'OperationOutcome' || !Array.isArray(body.issue) || body.issue.length === 0) return `${a.status} without an OperationOutcome`;
    if (!/json/.test(type)) return `${a.status} OperationOutcome as ${type}`;
  }
  if (a.status < 300 && a.body && /json/.test(type)) {
    let body: { type?: string; entry?: { response?: { status?: string } }[] };
    try {
      body = JSON.parse(a.body);
    } catch {
      return `${a.status} with a malformed JSON body`;
    }
    // A batch answers 200 with a status per entry: for must-refuse input, every entry must be refused.
    if (c.mustReject && body.type === 'batch-response') {
      const accepted = (body.entry ?? []).filter((e) => !/^4\d\d/.test(e.response?.status ?? ''));
      if (accepted.length) return `batch entries accepted: ${JSON.stringify(accepted).slice(0, 200)}`;
      return undefined;
    }
  }
  if (c.mustReject && a.status < 400) return `accepted (${a.status}) but must be refused`;
  return undefined;
}

describe(`bad input over the HTTP surface (FUZZ_SEED=${SEED})`, () => {
  it(`${CASES} cases: 4xx OperationOutcome or a valid success, never 5xx or a hang, nothing refused stored`, async () => {
    const rng = mulberry32(SEED);
    const before = await tenantChecksum(s.tdb.owner, target.reject);
    const systematic = everyParameterCases(rng, target);
    const cases = [...systematic, ...Array.from({ length: Math.max(0, CASES - systematic.length) }, () => randomCase(rng, target))];
    const failures: string[] = [];
    const statuses: Record<string, Record<number, number>> = {};
    const time: Record<string, number> = {};
    const started = performance.now();
    for (const [i, c] of cases.entries()) {
      let answer: Answer;
      try {
        answer = await send(s, c, TIMEOUT_MS);
      } catch (err) {
        failures.push(`case #${i}: ${(err as Error).message}\n  ${describeAttempt(c, 300)}`);
        continue;
      }
      const fam = (statuses[c.family] ??= {});
      fam[answer.status] = (fam[answer.status] ?? 0) + 1;
      time[c.family] = (time[c.family] ?? 0) + answer.ms;
      const p = problem(c, answer);
      if (p && failures.length < 30) failures.push(`case #${i}: ${p}\n  ${describeAttempt(c, 300)}\n  answer: ${answer.body.slice(0, 300)}`);
    }
    const report = Object.entries(statuses).sort(([a], [b]) => a.localeCompare(b)).map(([f, st]) => {
      const n = Object.values(st).reduce((x, y) => x + y, 0);
      return `${f}: ${Object.entries(st).map(([k, m]) => `${k}×${m}`).join(' ')} (${(time[f]! / n).toFixed(1)} ms avg)`;
    });
    console.log(`fuzz (FUZZ_SEED=${SEED}): ${cases.length} cases (${systematic.length} over every search parameter) in ${Math.round(performance.now() - started)} ms\n  ${report.join('\n  ')}`);
    expect(failures, failures.join('\n\n')).toEqual([]);
    expect(cases.length).toBeGreaterThanOrEqual(CASES);
    expect(await tenantChecksum(s.tdb.owner, target.reject)).toEqual(before);
    // The server still serves normally afterwards.
    expect((await s.fhir(target.reject, `/Patient/${target.patient}`)).status).toBe(200);
    expect((await s.request('/admin/tenants', { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).status).toBe(200);
  }, 900_000);
});
