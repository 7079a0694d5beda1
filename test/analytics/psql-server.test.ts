import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { promisify } from 'node:util';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatePassword, startPsqlServer, type PsqlServer } from '../../src/analytics/psql-server.js';
import { migrateEmbedded } from '../../src/db/migrate.js';
import { openPglite } from '../../src/db/pglite.js';
import { TEST_CONTEXT_KEY } from '../helpers/server-url.js';
import { PG_BIN } from '../helpers/pg-cluster.js';
import { PSQL_BINARY, needs } from '../helpers/requires.js';

/*
 * npm run psql-server: the embedded PGlite answers a PostgreSQL client (postgres.js, psql) over
 * TCP, after a SCRAM-SHA-256 password exchange: a wrong or missing password is refused.
 */

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
const password = generatePassword();
const PSQL = join(PG_BIN, 'psql');
const run = promisify(execFile);

beforeAll(async () => {
  db = await openPglite(undefined, TEST_CONTEXT_KEY);
  await migrateEmbedded(db.pg, TEST_CONTEXT_KEY);
  await db.pg.exec(`select fhir_admin.create_tenant('acme', 'Acme'), fhir_admin.create_tenant('globex', 'Globex');
    insert into resource values ('acme', 'Patient', 'a', 1, now(), false, '{"resourceType":"Patient"}'),
                                ('globex', 'Patient', 'g', 1, now(), false, '{"resourceType":"Patient"}')`);
  server = await startPsqlServer(db.pg, { port: await freePort(), password });
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

  it('listens on 127.0.0.1 by default', () => {
    expect(server.host).toBe('127.0.0.1');
    expect(server.url).toContain(`@127.0.0.1:${server.port}/`);
  });

  it('refuses postgres.js with a wrong or no password, and answers the right one', async () => {
    for (const pass of ['wrong-password', '', undefined]) {
      const other = postgres({ host: '127.0.0.1', port: server.port, user: 'postgres', database: 'postgres', pass, max: 1, connect_timeout: 10 });
      await expect(other`select 1`).rejects.toThrow(/password/);
      await other.end();
    }
    const right = postgres(server.url, { max: 1 });
    expect((await right`select 41 + 1 as n`)[0]?.n).toBe(42);
    await right.end();
  });

  it.runIf(PSQL_BINARY.met)(needs(PSQL_BINARY, 'refuses psql with a wrong or no password, and answers the right one'), async () => {
    const psql = (env: Record<string, string>) => run(PSQL, ['-h', '127.0.0.1', '-p', String(server.port), '-U', 'postgres', '-d', 'postgres', '-w', '-tAc', 'select count(*) from tenant'], {
      env: { PATH: process.env.PATH ?? '', PGCONNECT_TIMEOUT: '10', ...env }, timeout: 30_000,
    });
    await expect(psql({ PGPASSWORD: 'wrong-password' })).rejects.toMatchObject({ stderr: expect.stringMatching(/password authentication failed/) });
    await expect(psql({})).rejects.toMatchObject({ stderr: expect.stringMatching(/no password supplied/) });
    // psql first asks for SSL (sslmode=prefer): declined, then SCRAM.
    const { stdout } = await psql({ PGPASSWORD: password });
    expect(stdout.trim()).toBe('2');
  });

  it('warns when as_tenant is called outside a transaction block (as psql sends it: the simple protocol)', async () => {
    await sql.unsafe(`select * from fhir_admin.as_tenant('acme')`).simple();
    expect(notices.join('\n')).toMatch(/outside BEGIN/);
  });
});
