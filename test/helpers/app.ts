import { pino } from 'pino';
import { createApp } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config.js';
import { withAdmin } from '../../src/db/doors.js';
import { createTenant } from '../../src/admin/tenants.js';
import { startTestDatabase, type TestDatabase } from './db.js';

export const ADMIN_TOKEN = 'test-admin-token-0123456789';
export const BASE = 'http://fhir.test';

export interface TestServer {
  tdb: TestDatabase;
  config: Config;
  /** app.request with an absolute URL on BASE. */
  request(path: string, init?: RequestInit): Promise<Response>;
  /** A request on the /fhir base as the given tenant (X-Tenant-ID). */
  fhir(tenant: string, path: string, init?: RequestInit & { json?: unknown }): Promise<Response>;
  admin(path: string, init?: RequestInit & { json?: unknown }): Promise<Response>;
  createTenants(...ids: string[]): Promise<void>;
  close(): Promise<void>;
}

function withJson(init: RequestInit & { json?: unknown } = {}, headers: Record<string, string> = {}): RequestInit {
  const { json, ...rest } = init;
  const h = new Headers(rest.headers);
  for (const [k, v] of Object.entries(headers)) h.set(k, v);
  if (json !== undefined) {
    h.set('content-type', 'application/fhir+json');
    return { ...rest, headers: h, body: JSON.stringify(json), method: rest.method ?? 'POST' };
  }
  return { ...rest, headers: h };
}

export async function startTestServer(env: Record<string, string> = {}): Promise<TestServer> {
  const tdb = await startTestDatabase();
  const config = loadConfig({ ADMIN_TOKEN, LOG_LEVEL: 'silent', ...env });
  const app = createApp({ db: tdb.db, config, log: pino({ level: 'silent' }) });
  const request = async (path: string, init?: RequestInit) => app.request(`${BASE}${path}`, init);
  return {
    tdb,
    config,
    request,
    fhir: (tenant, path, init) => request(`/fhir${path}`, withJson(init, { 'x-tenant-id': tenant })),
    admin: (path, init) => request(`/admin${path}`, withJson(init, { authorization: `Bearer ${ADMIN_TOKEN}` })),
    createTenants: async (...ids) => {
      for (const id of ids) await withAdmin(tdb.db, (tx) => createTenant(tx, id, id.toUpperCase(), {}));
    },
    close: () => tdb.close(),
  };
}
