import type { Context } from 'hono';
import { stream } from 'hono/streaming';
import { FhirError } from '../core/errors.js';
import { isResourceType } from '../core/resource-types.js';
import type { Database } from '../db/database.js';
import { withTenantData } from '../db/doors.js';
import type { AppEnv } from '../env.js';

const BATCH = 1000;

interface Row {
  [column: string]: unknown;
  resource_type: string;
  id: string;
  body: string;
}

/** `_type` of the admin export: a comma list of R4 types (400 for another name); undefined: every type. */
export function exportTypes(raw: string | undefined): string[] | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  const types = [...new Set(raw.split(',').map((t) => t.trim()).filter(Boolean))];
  const unknown = types.find((t) => !isResourceType(t));
  if (unknown !== undefined) throw FhirError.badRequest(`_type names an unknown resource type "${unknown.slice(0, 64)}"`);
  return types.sort();
}

/**
 * GET /admin/tenants/{id}/$export[?_type=A,B]: the tenant's current resources (of those types),
 * one JSON per line, in key order, read in batches of short transactions (RLS on, as the tenant)
 * and streamed as they come. The operator's copy of a tenant; clients use Bulk Data $export.
 */
export function exportTenant(c: Context<AppEnv>, db: Database, tenant: string): Response {
  const types = exportTypes(c.req.query('_type'));
  c.header('Content-Type', 'application/fhir+ndjson');
  return stream(c, async (out) => {
    // One key range per type (the primary key leads with tenant_id, resource_type), so a small
    // type of a large tenant is read without scanning the others; every type when none is named.
    for (const type of types ?? [undefined]) {
      let after: [string, string] = [type ?? '', ''];
      for (;;) {
        const rows = await withTenantData(db, tenant, (tx) => (type === undefined
          ? tx.query<Row>(`select resource_type, id, resource::text as body from resource
              where tenant_id = $1 and not deleted and (resource_type, id) > ($2, $3)
              order by resource_type, id limit ${BATCH}`, [tenant, after[0], after[1]])
          : tx.query<Row>(`select resource_type, id, resource::text as body from resource
              where tenant_id = $1 and resource_type = $2 and not deleted and id > $3
              order by id limit ${BATCH}`, [tenant, type, after[1]])));
        for (const r of rows) await out.write(`${r.body}\n`);
        const last = rows[rows.length - 1];
        if (!last || rows.length < BATCH) break;
        after = [last.resource_type, last.id];
      }
    }
  });
}
