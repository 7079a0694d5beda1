import { createServer } from 'node:net';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPsqlServer, type PsqlServer } from '../../src/analytics/psql-server.js';
import { migrateEmbedded } from '../../src/db/migrate.js';
import { openPglite } from '../../src/db/pglite.js';
import { TEST_CONTEXT_KEY } from '../helpers/server-url.js';

/* npm run psql-server: the embedded PGlite answers a PostgreSQL client (postgres.js) over TCP. */

const freePort = () => new Promise<number>((resolve) => {
  const s = createServer().listen(0, '127.0.0.1', () => {
    const { port } = s.address() as { port: number };
    s.close(() => resolve(port));
  });
});

let db: Awaited<ReturnType<typeof openPglite>>;
let server: PsqlServer;
let sql: postgres.Sql;
const notices: string[] = [];

beforeAll(async () => {
  db = await openPglite(undefined, TEST_CONTEXT_KEY);
  await migrateEmbedded(db.pg, TEST_CONTEXT_KEY);
  await db.pg.exec(`select fhir_admin.create_tenant('acme', 'Acme'), fhir_admin.create_tenant('globex', 'Globex');
    insert into resource values ('acme', 'Patient', 'a', 1, now(), false, '{"resourceType":"Patient"}'),
                                ('globex', 'Patient', 'g', 1, now(), false, '{"resourceType":"Patient"}')`);
  server = await startPsqlServer(db.pg, await freePort());
  sql = postgres(server.url, { max: 1, onnotice: (n) => notices.push(String(n.message)) });
});
afterAll(async () => {
  await sql?.end();
  await server?.stop();
  await db?.close();
});

describe('psql-server', () => {
  it('answers queries over the PostgreSQL protocol, with the roles and RLS of the schema', async () => {
    const [version] = await sql`select version() as v`;
    expect(String(version?.v)).toMatch(/PostgreSQL/);
    const analyst = await sql.begin(async (tx) => {
      await tx`set local role fhir_analyst`;
      return tx`select tenant_id from fhir_views.patient order by tenant_id`;
    });
    expect(analyst.map((r) => r.tenant_id)).toEqual(['acme', 'globex']);
    const tenant = await sql.begin(async (tx) => {
      await tx`select * from fhir_admin.as_tenant('globex')`;
      return tx`select current_user as who, count(*)::int as n from fhir_views.patient`;
    });
    expect(tenant).toEqual([{ who: 'fhir_app', n: 1 }]);
    expect((await sql`select current_user as who`)[0]?.who).toBe('postgres');
  });

  it('warns when as_tenant is called outside a transaction block (as psql sends it: the simple protocol)', async () => {
    await sql.unsafe(`select * from fhir_admin.as_tenant('acme')`).simple();
    expect(notices.join('\n')).toMatch(/outside BEGIN/);
  });
});
