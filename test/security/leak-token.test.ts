import { connect } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { startTestServer, type TestServer } from '../helpers/app.js';
import { authEnv, signWith, SECRET, ISSUER, AUDIENCE, token } from '../auth/tokens.helper.js';
import { GENERATOR_NAMES, type AttackContext } from './helpers/attacks.js';
import { sharedChecksum, tenantChecksum, type Checksum } from './helpers/checksum.js';
import { leaks, newStats, runStream, summary } from './helpers/leak-runner.js';
import { countFrom, mulberry32, seedFrom } from './helpers/prng.js';
import { describeAttempt, send } from './helpers/send.js';
import { buildWorld, type Tenant, type World } from './helpers/world.js';

/*
 * The leak suite with token verification on (AUTH_JWT_SECRET): each attacker holds a valid token
 * for its own tenant and aims it at the others through the per-tenant URL, X-Tenant-ID, and
 * forged tokens (wrong key, expired, alg none, other issuer or audience, odd tenant claims). Then
 * a few hundred raw HTTP/1.1 requests over a socket, for what app.request cannot send: dot
 * segments and absolute-form targets as written, repeated and case-variant headers, pipelining.
 */
const SEED = seedFrom('LEAK_SEED');
const ATTEMPTS = countFrom('LEAK_TOKEN_ATTEMPTS', 3_000);

let s: TestServer;
let world: World;
const tokens = new Map<string, string>();
const forged = new Map<string, string[]>();
const before = new Map<string, Checksum>();

async function forgeries(attacker: Tenant, victims: Tenant[]): Promise<string[]> {
  const key = new TextEncoder().encode(SECRET);
  const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const out: string[] = [];
  for (const v of victims) {
    out.push(
      await token({ tenant: v.id, secret: 'another-secret-another-secret-0123456789' }),
      await token({ tenant: v.id, expiresIn: -600 }),
      await token({ tenant: v.id, issuer: 'https://evil.test' }),
      await token({ tenant: v.id, audience: 'someone-else' }),
      `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ tenant: v.id, iss: ISSUER, aud: AUDIENCE, exp: Math.floor(Date.now() / 1000) + 600, scope: 'system/*.cruds' })}.`,
      // Validly signed, but the tenant claim is not one string naming one tenant.
      await signWith(key, 'HS256', 'k', { tenant: [attacker.id, v.id], iss: ISSUER, aud: AUDIENCE, scope: 'system/*.cruds', client_id: 'x' }),
      await signWith(key, 'HS256', 'k', { tenant: `${attacker.id},${v.id}`, iss: ISSUER, aud: AUDIENCE, scope: 'system/*.cruds', client_id: 'x' }),
      // The attacker's own tenant, with other claims naming the victim: only `tenant` counts.
      await signWith(key, 'HS256', 'k', { tenant: attacker.id, tenant_id: v.id, fhirTenant: v.id, iss: ISSUER, aud: AUDIENCE, scope: 'system/*.cruds', client_id: 'x' }),
    );
  }
  return out;
}

beforeAll(async () => {
  // The world is loaded with the admin token, which reaches tenant data only when allowed.
  s = await startTestServer({ ...authEnv, ADMIN_TOKEN_TENANT_ACCESS: 'true' });
  world = await buildWorld(s, mulberry32(SEED ^ 0x7f4a7c15), [['a', 'attacker'], ['d', 'dangling'], ['b', 'victim'], ['c', 'victim']]);
  for (const t of world.tenants) {
    tokens.set(t.id, await token({ tenant: t.id, client: `client-${t.id}` }));
    forged.set(t.id, await forgeries(t, world.tenants.filter((o) => o !== t)));
  }
  for (const t of world.tenants.filter((x) => x.role === 'victim')) before.set(t.id, await tenantChecksum(s.tdb.owner, t.id));
  before.set('shared', await sharedChecksum(s.tdb.owner));
}, 120_000);
afterAll(() => s.close());

describe(`cross-tenant leak attempts with tokens (LEAK_SEED=${SEED})`, () => {
  it(`${ATTEMPTS} attempts with the attacker's token leak nothing, reveal nothing and change no other tenant`, async () => {
    const stats = newStats();
    const started = performance.now();
    const attackers = world.tenants.filter((t) => t.role !== 'victim');
    await Promise.all(attackers.map((attacker, i) => {
      const ctx: AttackContext = {
        rng: mulberry32((SEED + 101 + i) >>> 0), world, attacker, others: world.tenants.filter((t) => t !== attacker),
        mode: 'token', token: tokens.get(attacker.id)!, forged: forged.get(attacker.id)!,
      };
      return runStream({ s, ctx, count: Math.ceil(ATTEMPTS / attackers.length), stats, decoyRate: 0.25 });
    }));
    console.log(`leak suite (token, LEAK_SEED=${SEED}) in ${Math.round(performance.now() - started)} ms: ${summary(stats)}`);
    expect(stats.failures, stats.failures.join('\n\n')).toEqual([]);
    expect(stats.attempts).toBeGreaterThanOrEqual(ATTEMPTS);
    for (const family of GENERATOR_NAMES) expect(stats.statuses[family], `no attempt of ${family}`).toBeDefined();
    for (const [id, sum] of before) {
      expect(id === 'shared' ? await sharedChecksum(s.tdb.owner) : await tenantChecksum(s.tdb.owner, id), `rows of ${id}`).toEqual(sum);
    }
  }, 600_000);
});

describe('garbage credentials', () => {
  it('are all 401 with a challenge and an OperationOutcome, never another tenant\'s data', async () => {
    const rng = mulberry32((SEED ^ 0x1b873593) >>> 0);
    const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
    const victim = world.tenants.find((t) => t.role === 'victim')!;
    const attacker = world.tenants.find((t) => t.role === 'attacker')!;
    const failures: string[] = [];
    for (let i = 0; i < 300; i++) {
      const header = rng.pick<unknown>([{ alg: 'none' }, { alg: 'HS256', typ: 'JWT' }, { alg: 'RS256' }, { alg: 'ES256', kid: '../../etc/passwd' }, { alg: 'HS512' }, { alg: '' }, { alg: null }, { alg: 5 }, { alg: 'HS256', crit: ['x'] }, { alg: 'HS256', jku: 'http://evil.test/jwks' }, 'x', [], {}]);
      const payload = rng.pick<unknown>([
        { tenant: victim.id, iss: ISSUER, aud: AUDIENCE, exp: 9_999_999_999 }, { tenant: victim.id, exp: 'never' }, { tenant: victim.id, exp: -1 },
        { tenant: victim.id, iss: ISSUER, aud: AUDIENCE, exp: 9_999_999_999, nbf: 9_999_999_998 }, { tenant: [victim.id], exp: 9_999_999_999 }, 'x', null, [],
      ]);
      const signature = rng.pick(['', 'x', b64('sig'), 'A'.repeat(rng.pick([1, 86, 342, 5_000]))]);
      const value = rng.pick([
        `Bearer ${b64(header)}.${b64(payload)}.${signature}`, `Bearer ${b64(header)}.${b64(payload)}`, `Bearer ${b64(header)}..${signature}`,
        `Bearer ${tokens.get(attacker.id)!.slice(0, -2)}xx`, `Bearer ${tokens.get(attacker.id)}.x`, `Bearer ${'a.'.repeat(rng.pick([2, 3, 50]))}`,
        'Bearer', 'Bearer ', `Basic ${b64(`${victim.id}:x`)}`, `Bearer ${'x'.repeat(rng.pick([1, 2_000, 60_000]))}`, `Token ${tokens.get(attacker.id)}`,
        `Bearer ${tokens.get(attacker.id)} ${tokens.get(attacker.id)}`, `Bearer %00${b64(header)}`, `Bearer ${b64(header)}.${b64(payload)}.${signature}\u00e9`,
      ]);
      const path = rng.pick([`/tenants/${victim.id}/fhir/Patient/${victim.ids.versioned}`, `/fhir/Patient?_id=${victim.ids.versioned}`, '/fhir/metadata', `/admin/tenants/${victim.id}`, '/shared/fhir/Organization']);
      const headers: [string, string][] = [['authorization', value], ...(rng.chance(0.5) ? [['x-tenant-id', victim.id] as [string, string]] : [])];
      const attempt = { family: 'credentials', method: 'GET', path, headers };
      const answer = await send(s, attempt);
      const body = JSON.parse(answer.body || '{}') as { resourceType?: string };
      // Shared reads are open to any caller with a valid token only: garbage is 401 everywhere.
      const challenged = answer.headers.some(([k, v]) => k === 'www-authenticate' && v.startsWith('Bearer'));
      const found = leaks(world, attacker, attempt, answer);
      if (answer.status !== 401 || body.resourceType !== 'OperationOutcome' || !challenged || found.length) {
        failures.push(`${answer.status} ${found.join('; ')}: ${describeAttempt(attempt, 200)}\n  ${answer.body.slice(0, 200)}`);
      }
    }
    expect(failures, failures.slice(0, 10).join('\n\n')).toEqual([]);
  });
});

/** One raw HTTP/1.1 exchange: what the socket gave back before it closed (or the timeout). */
function raw(port: number, text: string, timeoutMs = 3_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect(port, '127.0.0.1', () => socket.write(text));
    socket.setTimeout(timeoutMs, () => {
      socket.destroy();
      reject(new Error(`no end of answer within ${timeoutMs} ms`));
    });
    socket.on('data', (c) => chunks.push(c));
    socket.on('error', reject);
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')));
  });
}

describe('raw HTTP: header smuggling and paths as written', () => {
  let server: ServerType;
  let port = 0;
  beforeAll(async () => {
    const app = createApp({ db: s.tdb.db, config: s.config, log: pino({ level: 'silent' }) });
    await new Promise<void>((resolve) => {
      server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => {
        port = info.port;
        resolve();
      });
    });
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('never answers another tenant\'s data, whatever the framing', async () => {
    const rng = mulberry32((SEED ^ 0x2545f491) >>> 0);
    const failures: string[] = [];
    const attackers = world.tenants.filter((t) => t.role !== 'victim');
    let n = 0;
    const seen: Record<number, number> = {};
    for (let i = 0; i < 150; i++) {
      const a = rng.pick(attackers);
      const v = rng.pick(world.tenants.filter((t) => t !== a));
      const bearer = `Authorization: Bearer ${tokens.get(a.id)}`;
      const id = rng.pick([v.ids.versioned, v.ids.patient[3]!, v.ids.patient[0]!]);
      const target = rng.pick([
        `/fhir/../tenants/${v.id}/fhir/Patient/${id}`, `/tenants/${a.id}/fhir/../../${v.id}/fhir/Patient/${id}`,
        `/tenants/${a.id}/fhir/%2e%2e/%2e%2e/${v.id}/fhir/Patient/${id}`, `http://fhir.test/tenants/${v.id}/fhir/Patient/${id}`,
        `/tenants/${v.id}/fhir/Patient?_id=${id}`, `/fhir/Patient/${id}`, `/fhir/Patient?_id=${id}&_revinclude=Observation:subject`,
        `/tenants/${a.id}/fhir/Patient/${id}`, `//tenants/${v.id}/fhir/Patient/${id}`, `/tenants/${v.id}%2f..%2f${a.id}/fhir/Patient/${id}`,
      ]);
      const headers = rng.pick<string[]>([
        [bearer],
        [bearer, `X-Tenant-ID: ${v.id}`],
        [bearer, `X-Tenant-ID: ${a.id}`, `X-Tenant-ID: ${v.id}`],
        [bearer, `x-TeNaNt-iD: ${v.id}`],
        [`Authorization: Bearer ${rng.pick(forged.get(a.id)!)}`, bearer],
        [bearer, `Authorization: Bearer ${rng.pick(forged.get(a.id)!)}`],
        [bearer, `X-Tenant-ID: \t${v.id}\t`],
        [bearer, `X-Tenant-ID: ${a.id}`, ` ${v.id}`],
        [bearer, `X-Tenant-ID: ${a.id}`, 'Content-Length: 0', 'Transfer-Encoding: chunked'],
        [bearer, `X-Forwarded-Host: ${v.id}.fhir.test`, `X-Original-URL: /tenants/${v.id}/fhir/Patient/${id}`],
      ]);
      const host = rng.pick(['fhir.test', `${v.id}.fhir.test`, `fhir.test:${port}`]);
      // Connection: close on the last request, so the server ends the exchange after its answer.
      const first = `GET ${target} HTTP/1.1\r\nHost: ${host}\r\n${headers.join('\r\n')}\r\nConnection: close\r\n\r\n`;
      // Pipelined after a legitimate request of the attacker: no state may carry over between them.
      const text = rng.chance(0.3) ? `GET /fhir/metadata HTTP/1.1\r\nHost: fhir.test\r\n${bearer}\r\n\r\n${first}` : first;
      let answer: string;
      try {
        answer = await raw(port, text);
      } catch (err) {
        failures.push(`${(err as Error).message}: ${JSON.stringify(text)}`);
        continue;
      }
      n++;
      const status = Number(/^HTTP\/1\.1 (\d{3})/m.exec(answer)?.[1] ?? 0);
      const attempt = { family: 'raw', method: 'GET', path: target, headers: headers.map((h) => ['h', h] as [string, string]) };
      const found = leaks(world, a, attempt, { status, headers: [], body: answer, ms: 0 });
      const statuses = [...answer.matchAll(/^HTTP\/1\.1 (\d{3})/gm)].map((m) => Number(m[1]));
      for (const st of statuses) seen[st] = (seen[st] ?? 0) + 1;
      if (found.length || statuses.some((st) => st >= 500)) failures.push(`${found.join('; ')} statuses ${statuses.join(',')}: ${JSON.stringify(text)}\n${answer.slice(0, 600)}`);
    }
    console.log(`raw HTTP: 150 exchanges, statuses ${JSON.stringify(seen)}`);
    expect(failures, failures.slice(0, 10).join('\n\n')).toEqual([]);
    expect(n).toBe(150);
    for (const [id, sum] of before) {
      expect(id === 'shared' ? await sharedChecksum(s.tdb.owner) : await tenantChecksum(s.tdb.owner, id), `rows of ${id}`).toEqual(sum);
    }
  }, 120_000);
});
