import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/app.js';
import { GENERATOR_NAMES, type AttackContext } from './helpers/attacks.js';
import { resourceCount, sharedChecksum, tenantChecksum, type Checksum } from './helpers/checksum.js';
import { leaks, newStats, runStream, runVictimReads, summary } from './helpers/leak-runner.js';
import { countFrom, mulberry32, seedFrom } from './helpers/prng.js';
import { send } from './helpers/send.js';
import { buildWorld, OVERLAP, type World } from './helpers/world.js';

/*
 * Cross-tenant leak suite, gateway mode (X-Tenant-ID trusted, or the per-tenant base URL): two
 * attackers (one ordinary, one holding dangling references to the victims' ids) fire seeded,
 * randomized requests at two victims' data across every interaction of the API; see
 * helpers/leak-runner.ts for the oracle. Replay a failure with LEAK_SEED=<seed>; LEAK_ATTEMPTS
 * sets the number of attempts of this file (the token-mode file adds its own).
 */
const SEED = seedFrom('LEAK_SEED');
const ATTEMPTS = countFrom('LEAK_ATTEMPTS', 7_000);
const CONCURRENT_ATTEMPTS = countFrom('LEAK_CONCURRENT_ATTEMPTS', 3_000);
const CLIENTS = 100;

let s: TestServer;
let world: World;
const before = new Map<string, Checksum>();

beforeAll(async () => {
  s = await startTestServer();
  world = await buildWorld(s, mulberry32(SEED), [['a', 'attacker'], ['d', 'dangling'], ['b', 'victim'], ['c', 'victim']]);
  for (const t of world.tenants.filter((x) => x.role === 'victim')) before.set(t.id, await tenantChecksum(s.tdb.owner, t.id));
  before.set('shared', await sharedChecksum(s.tdb.owner));
}, 120_000);
afterAll(() => s.close());

describe('the oracle', () => {
  it('sees each tenant its own copy of an overlapping id, and flags a victim answer shown to the attacker', async () => {
    const [a, , b] = world.tenants as [typeof world.tenants[0], unknown, typeof world.tenants[0]];
    const attempt = { family: 'control', method: 'GET', path: `/fhir/Patient/${OVERLAP.patient[0]}`, headers: [] as [string, string][] };
    const own = await send(s, { ...attempt, headers: [['x-tenant-id', a.id]] });
    expect(own.status).toBe(200);
    expect(own.body).toContain(a.canary);
    expect(leaks(world, a, attempt, own)).toEqual([]);
    // Positive control: B's own answer, as if A had received it, is a leak of canary and values.
    const theirs = await send(s, { ...attempt, headers: [['x-tenant-id', b.id]] });
    const found = leaks(world, a, attempt, theirs);
    expect(found.some((p) => p.startsWith(`canary ${b.canary}`))).toBe(true);
    expect(found.some((p) => p.includes(b.values.family[0]!))).toBe(true);
    expect(await resourceCount(s.tdb.owner, b.id)).toBeGreaterThan(10);
  });
});

describe(`cross-tenant leak attempts, gateway mode (LEAK_SEED=${SEED})`, () => {
  it(`${ATTEMPTS} attempts leak nothing, reveal nothing and change no other tenant`, async () => {
    const stats = newStats();
    const started = performance.now();
    const attackers = world.tenants.filter((t) => t.role !== 'victim');
    const streams = attackers.map((attacker, i) => {
      const ctx: AttackContext = {
        rng: mulberry32((SEED + i + 1) >>> 0), world, attacker, others: world.tenants.filter((t) => t !== attacker), mode: 'gateway',
      };
      return runStream({ s, ctx, count: Math.ceil(ATTEMPTS / attackers.length), stats, decoyRate: 0.35 });
    });
    await Promise.all([...streams, runVictimReads(s, world, mulberry32((SEED ^ 0x9e3779b9) >>> 0), Math.ceil(ATTEMPTS / 50), stats)]);
    console.log(`leak suite (gateway, LEAK_SEED=${SEED}) in ${Math.round(performance.now() - started)} ms: ${summary(stats)}`);
    expect(stats.failures, stats.failures.join('\n\n')).toEqual([]);
    expect(stats.attempts).toBeGreaterThanOrEqual(ATTEMPTS);
    for (const family of GENERATOR_NAMES) expect(stats.statuses[family], `no attempt of ${family}`).toBeDefined();
    // The attempts must also be accepted often enough to reach the data paths, not just bounce.
    const ok = Object.values(stats.statuses).reduce((n, st) => n + (st[200] ?? 0), 0);
    expect(ok / stats.attempts).toBeGreaterThan(0.3);
    for (const [id, sum] of before) {
      expect(id === 'shared' ? await sharedChecksum(s.tdb.owner) : await tenantChecksum(s.tdb.owner, id), `rows of ${id}`).toEqual(sum);
    }
  }, 600_000);
});

describe(`cross-tenant leak attempts from ${CLIENTS} concurrent clients (LEAK_SEED=${SEED})`, () => {
  it(`${CONCURRENT_ATTEMPTS} attempts, tenants alternating client by client over the pool, leak nothing`, async () => {
    // Every client is one stream of one tenant, the tenants alternating between neighbouring
    // clients: the pool (or PgBouncer) hands each connection from tenant to tenant all the time.
    // Requests that change nothing only, so decoy answers stay comparable; the sequential run
    // above covers the writes.
    const stats = newStats();
    const started = performance.now();
    const tenants = world.tenants;
    const streams = Array.from({ length: CLIENTS }, (_, i) => {
      const attacker = tenants[i % tenants.length]!;
      const ctx: AttackContext = {
        rng: mulberry32((SEED + 1_000 + i) >>> 0), world, attacker, others: tenants.filter((t) => t !== attacker), mode: 'gateway',
      };
      return runStream({ s, ctx, count: Math.ceil(CONCURRENT_ATTEMPTS / CLIENTS), stats, decoyRate: 0.2, safeOnly: true });
    });
    await Promise.all(streams);
    console.log(`leak suite (${CLIENTS} concurrent clients, LEAK_SEED=${SEED}) in ${Math.round(performance.now() - started)} ms: ${summary(stats)}`);
    expect(stats.failures, stats.failures.join('\n\n')).toEqual([]);
    expect(stats.attempts).toBeGreaterThanOrEqual(CONCURRENT_ATTEMPTS);
    for (const [id, sum] of before) {
      expect(id === 'shared' ? await sharedChecksum(s.tdb.owner) : await tenantChecksum(s.tdb.owner, id), `rows of ${id}`).toEqual(sum);
    }
  }, 600_000);
});
