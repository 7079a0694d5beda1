import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgres, socketUrl } from '../../src/db/postgres.js';
import { withAdmin, withTenant } from '../../src/db/doors.js';
import { createTenant } from '../../src/admin/tenants.js';
import { startTestDatabase, type TestDatabase } from '../helpers/db.js';
import { NO_POOLER, POSTGRES, needs } from '../helpers/requires.js';

describe('socketUrl (libpq\'s form for a Unix-domain socket)', () => {
  it('takes the socket directory and port out of the query, and leaves other URLs alone', () => {
    expect(socketUrl('postgres://api:pw@/fhir?host=/var/run/postgresql&port=5433')).toEqual({ url: 'postgres://api:pw@localhost/fhir', host: '/var/run/postgresql', port: 5433 });
    expect(socketUrl('postgresql:///fhir?host=%2Ftmp%2Fpg&sslmode=disable')).toEqual({ url: 'postgresql://localhost/fhir?sslmode=disable', host: '/tmp/pg' });
    expect(socketUrl('postgres://api@db.example:5432/fhir?host=/run/pg')).toEqual({ url: 'postgres://api@db.example:5432/fhir', host: '/run/pg' });
    // A host parameter that names no directory is the server's business, as are URLs without one.
    expect(socketUrl('postgres://api@db:5432/fhir?host=other')).toEqual({ url: 'postgres://api@db:5432/fhir?host=other' });
    expect(socketUrl('postgres://api@db:5432/fhir?application_name=x')).toEqual({ url: 'postgres://api@db:5432/fhir?application_name=x' });
  });
});

let t: TestDatabase;
const USE = POSTGRES.met && NO_POOLER.met;
beforeAll(async () => {
  if (USE) t = await startTestDatabase();
});
afterAll(async () => {
  if (USE) await t.close();
});

describe.runIf(USE)(needs({ met: USE, what: 'a direct PostgreSQL connection (TEST_DATABASE_URL, no PgBouncer)' }, 'the API login over the Unix socket'), () => {
  it('connects through the socket and enters tenants as over TCP', async () => {
    if (t.kind !== 'postgres' || t.appUrl === undefined) throw new Error('needs the PostgreSQL test database');
    const [dirs] = await t.owner.query<{ d: string }>("select split_part(current_setting('unix_socket_directories'), ',', 1) as d");
    const [port] = await t.owner.query<{ p: string }>("select current_setting('port') as p");
    const tcp = new URL(t.appUrl);
    const url = `postgres://${tcp.username}:${tcp.password}@${tcp.pathname}?host=${encodeURIComponent(dirs?.d.trim() ?? '')}&port=${port?.p ?? ''}`;
    const db = openPostgres(url, { max: 2, contextKey: t.db.contextKey });
    try {
      await withAdmin(db, (tx) => createTenant(tx, 'sock', 'Socket', {}));
      const [row] = await withTenant(db, 'sock', (tx, tenant) => tx.query<{ addr: string | null; tenant: string }>(
        'select inet_server_addr()::text as addr, $1::text as tenant', [tenant?.id ?? '']));
      // No server address: the connection is the Unix socket, not TCP.
      expect(row).toEqual({ addr: null, tenant: 'sock' });
    } finally {
      await db.close();
    }
  });
});
