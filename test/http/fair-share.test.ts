import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { createTenant } from '../../src/admin/tenants.js';
import { loadConfig } from '../../src/config.js';
import type { Database, Tx } from '../../src/db/database.js';
import { withAdmin } from '../../src/db/doors.js';
import { fairShare, shareOf } from '../../src/fhir/fair-share.js';
import { ADMIN_TOKEN, BASE } from '../helpers/app.js';
import { startTestDatabase, type TestDatabase } from '../helpers/db.js';

/*
 * Fair share and the early rate limit, through HTTP, on a Database wrapper that counts statements
 * and can hold one tenant's requests after their database work (so they keep their slots while
 * the connection is free for others, on PGlite's single connection too).
 */

interface Probe {
  db: Database;
  statements: number;
  hold(tenant: string): () => void;
}

function probe(inner: Database): Probe {
  const gates = new Map<string, Promise<void>>();
  const p: Probe = {
    statements: 0,
    hold(tenant) {
      let open!: () => void;
      gates.set(tenant, new Promise<void>((resolve) => (open = resolve)));
      return () => {
        gates.delete(tenant);
        open();
      };
    },
    db: {
      kind: inner.kind,
      statementTimeoutMs: inner.statementTimeoutMs,
      contextKey: inner.contextKey,
      ping: () => inner.ping(),
      // A pool of 10 on both backends (PGlite has one session): the shares are then 5 and 1.
      stats: () => ({ ...inner.stats(), max: 10 }),
      close: () => inner.close(),
      async statement(text, params) {
        p.statements++;
        const rows = await inner.statement(text, params);
        // read_resource(key, tenant, ...)
        await gates.get(String(params[1]));
        return rows as never;
      },
      async transaction(fn) {
        let tenant: string | undefined;
        const result = await inner.transaction((tx) => fn({
          query: (text, params) => {
            p.statements++;
            if (text.includes('enter_tenant')) tenant = String(params?.[1]); // enter_tenant(key, tenant, ...)
            return tx.query(text, params);
          },
        } satisfies Tx));
        if (tenant !== undefined) await gates.get(tenant);
        return result;
      },
    },
  };
  return p;
}

let tdb: TestDatabase;
let pr: Probe;
let request: (path: string, init?: RequestInit) => Promise<Response>;
const fhir = (tenant: string, path: string) => request(`/fhir${path}`, { headers: { 'x-tenant-id': tenant } });

beforeAll(async () => {
  tdb = await startTestDatabase();
  pr = probe(tdb.db);
  const config = loadConfig({
    ADMIN_TOKEN, LOG_LEVEL: 'silent', TENANT_POOL_SHARE: '0.5', DB_START_TIMEOUT_MS: '400', CPU_WORK_SLOTS: '2', CPU_HEAVY_BODY_BYTES: '2000',
  });
  const app = createApp({ db: pr.db, config, log: pino({ level: 'silent' }) });
  request = async (path, init) => app.request(`${BASE}${path}`, init);
  await withAdmin(tdb.db, async (tx) => {
    await createTenant(tx, 'busy', 'Busy', {});
    await createTenant(tx, 'calm', 'Calm', {});
    await createTenant(tx, 'limited', 'Limited', { rateLimit: { requestsPerSecond: 0.01, burst: 1 } });
  });
  for (const t of ['busy', 'calm', 'limited']) {
    await tdb.owner.query(`insert into resource (tenant_id, resource_type, id, version_id, last_updated, deleted, resource)
      values ($1, 'Patient', 'p1', 1, now(), false, '{"resourceType":"Patient","id":"p1","meta":{"versionId":"1"}}')`, [t]);
  }
});
afterAll(() => tdb.close());

describe('fair share of the pool', () => {
  it('a tenant over its share waits, then gets 503 + Retry-After; another tenant is served meanwhile', async () => {
    const share = fairShare(pr.db, { tenantPoolShare: 0.5, cpuWorkSlots: 2 });
    const limit = shareOf(pr.db.stats().max, 0.5);
    expect(share.db.perTenant).toBe(5);
    const release = pr.hold('busy');
    // `limit` slow requests of busy, through both doors: searches (a transaction) and reads.
    let settled = 0;
    const slow = Array.from({ length: limit }, (_, i) => (i % 2 ? fhir('busy', '/Patient/p1') : fhir('busy', '/Patient?_id=p1'))
      .then((r) => { settled++; return r.status; }));
    for (let i = 0; i < 500 && share.db.holding('busy') < limit; i++) await new Promise((r) => setTimeout(r, 10));
    expect(share.db.holding('busy')).toBe(limit);

    const calm = await fhir('calm', '/Patient/p1');
    expect(calm.status).toBe(200);
    expect((await fhir('calm', '/Patient?_id=p1')).status).toBe(200);
    expect(settled).toBe(0);

    const over = await fhir('busy', '/Patient/p1');
    expect(over.status).toBe(503);
    expect(Number(over.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    const outcome = await over.json();
    expect(outcome.resourceType).toBe('OperationOutcome');
    expect(outcome.issue[0].code).toBe('throttled');
    expect(settled).toBe(0);

    release();
    expect(await Promise.all(slow)).toEqual(Array(limit).fill(200));
    expect(share.db.holding('busy')).toBe(0);
    expect((await fhir('busy', '/Patient/p1')).status).toBe(200);
  });
});

describe('fair share of CPU-heavy work', () => {
  it('a tenant with a large request in progress gets 503 for a second one, not for a small one', async () => {
    const share = fairShare(pr.db, { tenantPoolShare: 0.5, cpuWorkSlots: 2 });
    expect(share.cpu.perTenant).toBe(1);
    const post = (body: string) => request('/fhir/Patient', {
      method: 'POST', body, headers: { 'x-tenant-id': 'busy', 'content-type': 'application/fhir+json', 'content-length': String(Buffer.byteLength(body)) },
    });
    const large = JSON.stringify({ resourceType: 'Patient', name: [{ text: 'x'.repeat(3000) }] });
    const release = pr.hold('busy');
    const first = post(large);
    for (let i = 0; i < 500 && share.cpu.holding('busy') < 1; i++) await new Promise((r) => setTimeout(r, 10));
    const second = await post(large);
    expect(second.status).toBe(503);
    expect((await second.json()).issue[0].code).toBe('throttled');
    const small = post(JSON.stringify({ resourceType: 'Patient' }));
    for (let i = 0; i < 500 && share.db.holding('busy') < 2; i++) await new Promise((r) => setTimeout(r, 10));
    expect(share.db.holding('busy')).toBe(2);
    release();
    expect([(await first).status, (await small).status]).toEqual([201, 201]);
  });
});

describe('rate limit before the database', () => {
  it('a tenant over its rate gets 429 without a database statement; an admin change applies at once', async () => {
    expect((await fhir('limited', '/Patient/p1')).status).toBe(200);
    const before = pr.statements;
    const refused = await fhir('limited', '/Patient/p1');
    const refusedSearch = await fhir('limited', '/Patient?_id=p1');
    expect([refused.status, refusedSearch.status]).toEqual([429, 429]);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await refused.json()).issue[0].code).toBe('throttled');
    expect(pr.statements).toBe(before);

    const patch = await request('/admin/tenants/limited', {
      method: 'PATCH',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ config: { rateLimit: { requestsPerSecond: 1000, burst: 1000 } } }),
    });
    expect(patch.status).toBe(200);
    expect((await fhir('limited', '/Patient/p1')).status).toBe(200);
  });
});
