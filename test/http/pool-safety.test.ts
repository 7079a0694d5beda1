import { serve, type ServerType } from '@hono/node-server';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { withAdmin } from '../../src/db/doors.js';
import { createTenant } from '../../src/admin/tenants.js';
import { startTestDatabase, type TestDatabase } from '../helpers/db.js';

/*
 * Many concurrent requests over a small pool, alternating tenants: a connection that carried one
 * request's tenant into the next would show up as a foreign row in some response. Real HTTP.
 */
const TENANTS = Array.from({ length: 20 }, (_, i) => `pool-${i}`);
let tdb: TestDatabase;
let server: ServerType;
let base = '';

beforeAll(async () => {
  tdb = await startTestDatabase();
  await withAdmin(tdb.db, async (tx) => {
    for (const t of TENANTS) await createTenant(tx, t, t, {});
  });
  // 400 requests at once, 20 per tenant: on PGlite (one session) the last waits for most of the
  // run. What is under test is the isolation, not the start timeout (503 after it, by design).
  const config = loadConfig({ LOG_LEVEL: 'silent', DB_START_TIMEOUT_MS: '120000' });
  const app = createApp({ db: tdb.db, config, log: pino({ level: 'silent' }) });
  await new Promise<void>((resolve) => {
    server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => {
      base = `http://127.0.0.1:${info.port}`;
      resolve();
    });
  });
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  await tdb.close();
});

const post = (tenant: string, body: object) =>
  fetch(`${base}/fhir/${(body as { resourceType: string }).resourceType}`, {
    method: 'POST',
    headers: { 'x-tenant-id': tenant, 'content-type': 'application/fhir+json' },
    body: JSON.stringify(body),
  });

describe('pool safety', () => {
  it('answers 400 concurrent requests over 20 tenants with only each tenant\'s own data', async () => {
    // Every tenant writes patients named after itself, concurrently.
    const writes = await Promise.all(
      TENANTS.flatMap((t) => [0, 1, 2].map(() => post(t, { resourceType: 'Patient', name: [{ family: t }] }))),
    );
    expect(writes.every((r) => r.status === 201)).toBe(true);
    const ids = new Map<string, string[]>(TENANTS.map((t) => [t, []]));
    for (const w of writes) {
      const body = await w.json();
      ids.get(body.name[0].family)!.push(body.id);
    }

    // Then interleaved reads, searches and history, tenants alternating request by request.
    const requests = Array.from({ length: 400 }, (_, i) => {
      const tenant = TENANTS[i % TENANTS.length]!;
      const own = ids.get(tenant)!;
      const path = [`/Patient`, `/Patient/${own[i % 3]}`, `/_history`, `/Patient?_id=${own.join(',')}`][i % 4]!;
      const viaUrl = i % 2 === 0;
      return fetch(viaUrl ? `${base}/tenants/${tenant}/fhir${path}` : `${base}/fhir${path}`, {
        headers: viaUrl ? {} : { 'x-tenant-id': tenant },
      }).then(async (res) => ({ tenant, status: res.status, text: await res.text() }));
    });
    const results = await Promise.all(requests);
    for (const r of results) {
      expect(r.status).toBe(200);
      const families = [...r.text.matchAll(/"family": ?"(pool-\d+)"/g)].map((m) => m[1]);
      expect(families.length).toBeGreaterThan(0);
      expect(new Set(families), `${r.tenant}`).toEqual(new Set([r.tenant]));
      for (const other of TENANTS.filter((t) => t !== r.tenant)) {
        for (const id of ids.get(other)!) expect(r.text.includes(id)).toBe(false);
      }
    }
  });
});
