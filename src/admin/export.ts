import type { Context, Env } from 'hono';
import { stream } from 'hono/streaming';
import type { Database } from '../db/database.js';
import { withTenantData } from '../db/doors.js';

const BATCH = 1000;

/**
 * GET /admin/tenants/{id}/$export: the tenant's current resources, one JSON per line, in key
 * order, read in batches of short transactions (RLS on, as the tenant) and streamed as they come.
 */
export function exportTenant<E extends Env>(c: Context<E>, db: Database, tenant: string): Response {
  c.header('Content-Type', 'application/fhir+ndjson');
  return stream(c, async (out) => {
    let after: [string, string] = ['', ''];
    for (;;) {
      const rows = await withTenantData(db, tenant, (tx) => tx.query<{ resource_type: string; id: string; body: string }>(
        `select resource_type, id, resource::text as body from resource
          where tenant_id = $1 and not deleted and (resource_type, id) > ($2, $3)
          order by resource_type, id limit ${BATCH}`, [tenant, after[0], after[1]]));
      for (const r of rows) await out.write(`${r.body}\n`);
      const last = rows[rows.length - 1];
      if (!last || rows.length < BATCH) return;
      after = [last.resource_type, last.id];
    }
  });
}
