import postgres from 'postgres';
import type { Row } from '../../src/db/database.js';
import type { TestDatabase } from '../helpers/db.js';
import { withDatabase } from '../helpers/server-url.js';

/**
 * Runs one query as `role` (and tenant) in a transaction of its own, from the superuser side of
 * the test database, the way an operator would in psql: the tenant context is issued to the
 * superuser (fhir_private.issue_context, sql/0014), then the role set, both transaction-local.
 * Role and tenant are test constants, written into the SQL.
 */
export async function queryAs<T extends Row = Row>(tdb: TestDatabase, role: string, tenant: string | null, text: string): Promise<T[]> {
  const context = tenant === null ? '' : `fhir_private.issue_context('${tenant}', 'tenant'), `;
  const enter = `select ${context}set_config('role', '${role}', true)`;
  if (tdb.kind === 'pglite') {
    // The embedded database has one user, a superuser: the server's own handle is that user.
    return tdb.db.transaction(async (tx) => {
      await tx.query(enter);
      return tx.query<T>(text);
    });
  }
  // The test database as the superuser of TEST_DATABASE_URL, on a connection of its own.
  const url = withDatabase(process.env.TEST_DATABASE_URL!, new URL(tdb.appUrl!).pathname.slice(1));
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    return (await sql.begin(async (tx) => {
      await tx.unsafe(enter);
      return tx.unsafe(text);
    })) as unknown as T[];
  } finally {
    await sql.end();
  }
}
