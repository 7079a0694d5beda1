import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/app.js';
import { authEnv } from '../auth/tokens.helper.js';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer(authEnv);
  await s.createTenants('m1');
});
afterAll(() => s.close());

describe('health, readiness and metrics', () => {
  it('answers /healthz and /readyz without a token', async () => {
    expect((await s.request('/healthz')).status).toBe(200);
    const ready = await s.request('/readyz');
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready' });
  });

  it('exposes Prometheus metrics by route, method, type and status, without tenants by default', async () => {
    const g = await startTestServer();
    await g.createTenants('g1');
    await g.request('/tenants/g1/fhir/Patient');
    await g.request('/tenants/g1/fhir/Patient/x');
    const res = await g.request('/metrics');
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    await g.close();
    expect(text).toMatch(/fhir_http_requests_total\{route="\/tenants\/:tenant\/fhir\/:type",method="GET",type="Patient",status="200"\} 1/);
    expect(text).toMatch(/fhir_http_requests_total\{route="\/tenants\/:tenant\/fhir\/:type\/:id",method="GET",type="Patient",status="404"\} 1/);
    expect(text).toContain('fhir_http_request_duration_seconds_bucket');
    expect(text).toContain('fhir_db_pool_in_use');
    expect(text).not.toContain('tenant="g1"');
  });

  it('labels tenants only when configured', async () => {
    const t = await startTestServer({ METRICS_TENANT_LABEL: 'true' });
    try {
      await t.createTenants('m2');
      await t.fhir('m2', '/Patient');
      expect(await (await t.request('/metrics')).text()).toContain('tenant="m2"');
    } finally {
      await t.close();
    }
  });

  it('reports not ready (503 OperationOutcome) when the database is gone', async () => {
    const t = await startTestServer();
    await t.tdb.db.close();
    const res = await t.request('/readyz');
    expect(res.status).toBe(503);
    expect((await res.json()).resourceType).toBe('OperationOutcome');
    expect((await t.request('/healthz')).status).toBe(200);
    await t.close().catch(() => {});
  });
});
