import postgres from 'postgres';
import { DATA_TENANT } from './context.js';
import type { FhirDatabase } from './stack.js';

const SHAREABLE = ['CodeSystem', 'ValueSet', 'ConceptMap', 'NamingSystem', 'Practitioner', 'PractitionerRole', 'Organization', 'Location'];

/** A random sample of the tenant's current resources (not of shareable types): [tenant, type, id]. */
export async function sampleKeys(db: FhirDatabase, n = 2000, tenant = DATA_TENANT): Promise<[string, string, string][]> {
  const sql = postgres(db.superUrl, { max: 1, onnotice: () => {} });
  try {
    const rows = await sql<{ resource_type: string; id: string }[]>`select resource_type, id from resource
      where tenant_id = ${tenant} and not deleted and resource_type <> all(${SHAREABLE}) order by random() limit ${n}`;
    if (rows.length === 0) throw new Error(`tenant ${tenant} has no resources`);
    return rows.map((r) => [tenant, r.resource_type, r.id]);
  } finally {
    await sql.end();
  }
}
