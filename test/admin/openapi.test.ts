import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { ADMIN_TOKEN, BASE } from '../helpers/app.js';
import { startTestDatabase, type TestDatabase } from '../helpers/db.js';

/*
 * GET /admin/openapi.json is built from the same declarations as the routes: every admin route the
 * app registers must be in it, with the shape OpenAPI 3.1 asks for. Also the inputs that came with
 * the table: audit filters and paging, the reindex queue, tenant config keys.
 */
let tdb: TestDatabase;
let app: ReturnType<typeof createApp>;
const admin = (path: string, init: RequestInit & { json?: unknown } = {}) => {
  const { json, ...rest } = init;
  const headers = new Headers(rest.headers);
  headers.set('authorization', `Bearer ${ADMIN_TOKEN}`);
  if (json !== undefined) headers.set('content-type', 'application/json');
  return app.request(`${BASE}/admin${path}`, { ...rest, headers, ...(json !== undefined ? { body: JSON.stringify(json), method: rest.method ?? 'POST' } : {}) });
};

beforeAll(async () => {
  tdb = await startTestDatabase();
  app = createApp({ db: tdb.db, config: loadConfig({ ADMIN_TOKEN, LOG_LEVEL: 'silent' }), log: pino({ level: 'silent' }) });
});
afterAll(() => tdb.close());

type Doc = { openapi: string; paths: Record<string, Record<string, Record<string, unknown>>>; components: { schemas: Record<string, unknown> } };

describe('GET /admin/openapi.json', () => {
  it('needs the admin credential', async () => {
    expect((await app.request(`${BASE}/admin/openapi.json`)).status).toBe(401);
  });

  it('describes every admin route the app registers, as OpenAPI 3.1', async () => {
    const res = await admin('/openapi.json');
    expect(res.status).toBe(200);
    const doc: Doc = await res.json();
    expect(doc.openapi).toBe('3.1.0');
    const registered = app.routes
      .filter((r) => r.path.startsWith('/admin') && r.method !== 'ALL')
      .map((r) => `${r.method.toLowerCase()} ${r.path.replace(/:([A-Za-z_]+)/g, '{$1}')}`);
    expect(registered.length).toBeGreaterThan(20);
    const described = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m} ${path}`));
    expect([...new Set(registered)].sort()).toEqual(described.sort());
    expect(registered).toContain('post /admin/tenants/{id}/$reindex');
    expect(registered).toContain('put /admin/analytics/views/{name}');

    expect(doc.components.schemas.OperationOutcome).toBeDefined();
    for (const [path, ops] of Object.entries(doc.paths)) {
      expect(path).toMatch(/^\/admin\//);
      for (const [method, op] of Object.entries(ops)) {
        expect(['get', 'post', 'put', 'patch', 'delete']).toContain(method);
        expect(typeof op.summary).toBe('string');
        expect(typeof op.operationId).toBe('string');
        const responses = op.responses as Record<string, { description: string; content?: Record<string, { schema: unknown }> }>;
        expect(Object.keys(responses).some((s) => /^2\d\d$/.test(s))).toBe(true);
        for (const r of Object.values(responses)) expect(typeof r.description).toBe('string');
        expect(responses.default?.content?.['application/fhir+json']?.schema).toEqual({ $ref: '#/components/schemas/OperationOutcome' });
        // Every {name} of the path is a declared path parameter.
        const declared = ((op.parameters ?? []) as { name: string; in: string; required: boolean; schema: unknown }[]).filter((p) => p.in === 'path');
        expect(declared.map((p) => p.name).sort()).toEqual([...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort());
        for (const p of declared) expect(p.required).toBe(true);
        if (method === 'post' || method === 'put' || method === 'patch') {
          const body = op.requestBody as { content: Record<string, { schema: { type?: string } }> } | undefined;
          if (body) expect(body.content['application/json']?.schema.type).toBe('object');
        }
      }
    }
    const create = doc.paths['/admin/tenants']?.post?.requestBody as { content: { 'application/json': { schema: { required: string[]; properties: Record<string, unknown> } } } };
    expect(create.content['application/json'].schema.required).toEqual(['id']);
    expect(Object.keys(create.content['application/json'].schema.properties)).toEqual(['id', 'name', 'config']);
  });
});

describe('inputs of the admin table', () => {
  it('checks the tenant config keys the server reads, naming the key', async () => {
    const bad = await admin('/tenants', { json: { id: 'cfg-bad', name: 'x', config: { resourceTypes: 'Patient' } } });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(await bad.json())).toContain('resourceTypes');
    const rate = await admin('/tenants', { json: { id: 'cfg-rate', config: { rateLimit: { requestsPerSecond: -1 } } } });
    expect(rate.status).toBe(400);
    const good = await admin('/tenants', { json: { id: 'cfg-good', config: { resourceTypes: ['Patient'], note: 'kept' } } });
    expect(good.status).toBe(201);
    expect(await good.json()).toMatchObject({ id: 'cfg-good', name: 'cfg-good', config: { note: 'kept' } });
  });

  it('filters the audit log by tenant, client and outcome, and pages it', async () => {
    for (const id of ['aud-a', 'aud-b', 'aud-c']) expect((await admin('/tenants', { json: { id, name: id } })).status).toBe(201);
    const all: { id: string; tenant: string; client: string; outcome: string }[] = await (await admin('/audit?client=admin-token&outcome=done&limit=2')).json();
    expect(all).toHaveLength(2);
    expect(all.every((e) => e.client === 'admin-token' && e.outcome === 'done')).toBe(true);
    const next: { id: string }[] = await (await admin(`/audit?client=admin-token&outcome=done&limit=2&before=${all[1]!.id}`)).json();
    expect(next.length).toBeGreaterThan(0);
    expect(next.map((e) => e.id)).not.toContain(all[0]!.id);
    expect(next.map((e) => e.id)).not.toContain(all[1]!.id);
    const onlyB: { tenant: string }[] = await (await admin('/audit?tenant=aud-b')).json();
    expect(onlyB.length).toBeGreaterThan(0);
    expect(onlyB.every((e) => e.tenant === 'aud-b')).toBe(true);
    const future: unknown[] = await (await admin('/audit?since=2999-01-01T00:00:00Z')).json();
    expect(future).toEqual([]);
    expect((await admin('/audit?since=yesterday')).status).toBe(400);
    expect((await admin('/audit?nobody=x&client=nobody')).status).toBe(200);
  });

  it('queues a reindex and shows it finished', async () => {
    const queued = await admin('/reindex-requests', { json: { tenant: 'aud-a' } });
    expect(queued.status).toBe(202);
    expect((await admin('/reindex-requests', { json: { tenant: 'no-such' } })).status).toBe(404);
    let done: { tenant: string; finishedAt: string | null; resources: number | null } | undefined;
    for (let i = 0; i < 100 && !done?.finishedAt; i++) {
      const list: { tenant: string; finishedAt: string | null; resources: number | null }[] = await (await admin('/reindex-requests')).json();
      done = list.find((r) => r.tenant === 'aud-a');
      if (!done?.finishedAt) await new Promise((r) => setTimeout(r, 100));
    }
    expect(done).toMatchObject({ tenant: 'aud-a', resources: 0 });
  });
});
