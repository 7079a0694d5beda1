import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/app.js';
import { authEnv, bearer, token } from '../auth/tokens.helper.js';

/*
 * Issue 12 (c): refused requests (401/403) are recorded without letting the caller choose whose
 * trail they land in or how much they write: a row names a tenant only if it exists, and
 * refusals of one kind are counted in one row per minute (sql/0016, fhir_private.record_refusal).
 */

type AuditRow = { tenant: string | null; client: string | null; action: string; outcome: string; detail: string | null };

let s: TestServer;
const ghosts = Array.from({ length: 1000 }, () => `ghost-${randomBytes(6).toString('hex')}`);

const auditRows = () => s.tdb.owner.query<AuditRow>('select tenant, client, action, outcome, detail from audit_log');
/** How many refusals a row stands for: its count, or 1 before a second one came. */
const countOf = (r: AuditRow) => Number(/\[(\d+) refusals of /.exec(r.detail ?? '')?.[1] ?? 1);

beforeAll(async () => {
  s = await startTestServer(authEnv);
  await s.createTenants('acme', 'globex');
});
afterAll(() => s.close());

describe('refused requests in the audit log', () => {
  it('1,000 refusals naming non-existent tenants make a bounded number of rows, none naming them', async () => {
    const before = (await auditRows()).length;
    const snoopy = await token({ tenant: 'acme', client: 'snoopy' });
    for (const [i, ghost] of ghosts.entries()) {
      // Three forms: no token on the per-tenant URL (401), no token with X-Tenant-ID (401), a
      // valid token of acme aiming at another tenant (403).
      const res = i % 3 === 0 ? await s.request(`/tenants/${ghost}/fhir/Patient`)
        : i % 3 === 1 ? await s.request('/fhir/Patient', { headers: { 'x-tenant-id': ghost } })
          : await s.request(`/tenants/${ghost}/fhir/Patient/p${i}`, { headers: bearer(snoopy) });
      expect(res.status).toBe(i % 3 === 2 ? 403 : 401);
    }
    const rows = (await auditRows()).slice(before);
    // Three kinds; a run that crosses minute boundaries may start a new row per kind each minute.
    expect(rows.length).toBeGreaterThanOrEqual(3);
    expect(rows.length).toBeLessThanOrEqual(3 * 4);
    const text = JSON.stringify(rows);
    for (const ghost of ghosts) expect(text.includes(ghost), text).toBe(false);
    expect(rows.every((r) => r.tenant === null)).toBe(true);
    // Nothing is lost: the counts add up to the refusals sent.
    expect(rows.reduce((n, r) => n + countOf(r), 0)).toBe(ghosts.length);
    expect(rows.some((r) => r.action.startsWith('GET /tenants/{tenant}/fhir/') && r.outcome === 'unauthenticated')).toBe(true);
    expect(rows.some((r) => r.client === 'snoopy' && r.outcome === 'denied')).toBe(true);
  });

  it('still records a refusal for a real tenant, naming it', async () => {
    const res = await s.request('/tenants/globex/fhir/Patient', { headers: bearer(await token({ tenant: 'acme', client: 'nosy' })) });
    expect(res.status).toBe(403);
    expect((await s.request('/tenants/acme/fhir/Observation')).status).toBe(401);
    const rows = await auditRows();
    expect(rows).toContainEqual(expect.objectContaining({ tenant: 'globex', client: 'nosy', outcome: 'denied', action: 'GET /tenants/globex/fhir/Patient' }));
    expect(rows).toContainEqual(expect.objectContaining({ tenant: 'acme', client: null, outcome: 'unauthenticated', action: 'GET /tenants/acme/fhir/Observation' }));
    // The admin API shows it in the tenant's trail.
    const trail = await (await s.admin('/audit?tenant=globex')).json();
    expect(trail.some((e: AuditRow) => e.client === 'nosy')).toBe(true);
  });

  it('counts repeated refusals of one kind in one row', async () => {
    const before = (await auditRows()).filter((r) => r.client === 'repeat').reduce((n, r) => n + countOf(r), 0);
    const t = await token({ tenant: 'acme', client: 'repeat' });
    for (let i = 0; i < 20; i++) expect((await s.request(`/tenants/globex/fhir/Patient/${i}`, { headers: bearer(t) })).status).toBe(403);
    const rows = (await auditRows()).filter((r) => r.client === 'repeat');
    expect(rows.length).toBeLessThanOrEqual(2);
    expect(rows.reduce((n, r) => n + countOf(r), 0) - before).toBe(20);
    expect(rows.every((r) => r.tenant === 'globex')).toBe(true);
  });
});

describe('fhir_app and the audit log', () => {
  it('records through fhir_private.record_refusal without a tenant context, and cannot insert rows of its own', async () => {
    await s.tdb.db.transaction(async (tx) => {
      await tx.query("select set_config('role', 'fhir_app', true)");
      await tx.query("select fhir_private.record_refusal('acme', 'sql-client', 'GET', '/fhir/Patient', 'denied', 'from SQL')");
    });
    expect(await auditRows()).toContainEqual(expect.objectContaining({ tenant: 'acme', client: 'sql-client' }));
    await expect(s.tdb.db.transaction(async (tx) => {
      await tx.query("select set_config('role', 'fhir_app', true)");
      await tx.query("insert into audit_log (tenant, client, action, outcome) values ('globex', 'forger', 'GET /x', 'denied')");
    })).rejects.toThrow(/permission denied/);
    await expect(s.tdb.db.transaction(async (tx) => {
      await tx.query("select set_config('role', 'fhir_app', true)");
      await tx.query('select * from fhir_private.refusal_window');
    })).rejects.toThrow(/permission denied/);
  });
});
