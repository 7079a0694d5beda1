import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tx } from '../../src/db/database.js';
import { withAdmin, withTenant } from '../../src/db/doors.js';
import { createTenant } from '../../src/admin/tenants.js';
import { startTestDatabase, type TestDatabase } from '../helpers/db.js';
import { PGLITE, POSTGRES, needs } from '../helpers/requires.js';

/*
 * SQL injected into the API's connection (sql/0014): whatever it runs without the context key, it
 * must see no tenant row and list, change or purge no tenant. On PostgreSQL this runs on a
 * connection of its own as the API login made as the README says (member of fhir_app only); on
 * PGlite, whose one login is a superuser, as fhir_app (there RESET ROLE gives the superuser back:
 * README, Security model).
 */
let t: TestDatabase;
let attacker: postgres.Sql | undefined;

const VICTIM = 'victim';
const tables = ['resource', 'resource_history', 'search_token', 'search_string', 'search_reference', 'tenant'];

beforeAll(async () => {
  t = await startTestDatabase();
  await withAdmin(t.db, async (tx) => {
    await createTenant(tx, VICTIM, 'Victim', {});
    await createTenant(tx, 'attacker', 'Attacker', {});
  });
  await withTenant(t.db, VICTIM, (tx) => tx.query(
    `insert into resource (tenant_id, resource_type, id, version_id, last_updated, resource)
     values ('victim', 'Patient', 'v1', 1, now(), '{"resourceType":"Patient","id":"v1"}')`,
  ));
  if (t.appUrl) attacker = postgres(t.appUrl, { max: 1, onnotice: () => {}, prepare: false });
});
afterAll(async () => {
  await attacker?.end();
  await t.close();
});

type Rows = Record<string, unknown>[];
/** The attacker's statements: `q` runs one, `attempt` runs one in a savepoint and returns its refusal. */
interface Injection {
  q(text: string): Promise<Rows>;
  attempt(text: string): Promise<Rows | Error>;
}

/** One transaction of arbitrary SQL as the attacker: the API login, or fhir_app on PGlite. */
async function inject<T>(fn: (i: Injection) => Promise<T>): Promise<T> {
  if (attacker) {
    return (await attacker.begin(async (tx) => fn({
      q: (text) => tx.unsafe(text) as never,
      attempt: (text) => tx.savepoint((sp) => sp.unsafe(text)).then((r) => r as never, (err: Error) => err),
    }))) as T;
  }
  return t.db.transaction(async (tx: Tx) => {
    await tx.query("select set_config('role', 'fhir_app', true)");
    const q = (text: string) => tx.query(text);
    return fn({
      q,
      attempt: async (text) => {
        await q('savepoint s');
        try {
          const rows = await q(text);
          await q('release savepoint s');
          return rows;
        } catch (err) {
          await q('rollback to savepoint s');
          return err as Error;
        }
      },
    });
  });
}

async function victimRows(): Promise<number> {
  const [row] = await t.owner.query<{ n: number }>("select count(*)::int as n from resource where tenant_id = 'victim'");
  return row!.n;
}

const seesNothing = (r: Record<string, unknown>[] | Error) => r instanceof Error || r.length === 0;

describe('SQL on the API connection without the context key', () => {
  it('sees no tenant row after setting the tenant itself', async () => {
    await inject(async ({ q, attempt }) => {
      await q("select set_config('app.tenant_id', 'victim', true), set_config('app.context', 'tenant', true)");
      for (const table of tables) expect(seesNothing(await attempt(`select * from ${table}`)), table).toBe(true);
      await q("set local app.tenant_id = 'victim'");
      expect(seesNothing(await attempt('select * from resource'))).toBe(true);
    });
  });

  it('cannot replay a ticket from another transaction', async () => {
    const [real] = await t.db.transaction(async (tx) => {
      await tx.query("select set_config('role', 'fhir_app', true), fhir_private.open_context($1, 'victim', 'tenant')", [t.db.contextKey]);
      return tx.query<{ ticket: string; rows: number }>("select current_setting('app.ticket') as ticket, (select count(*)::int from resource) as rows");
    });
    expect(real!.rows).toBe(1);
    expect(real!.ticket).toMatch(/^[0-9a-f]{64}$/);
    await inject(async ({ q, attempt }) => {
      await q(`select set_config('app.tenant_id', 'victim', true), set_config('app.context', 'tenant', true), set_config('app.ticket', '${real!.ticket}', true)`);
      expect(seesNothing(await attempt('select * from resource'))).toBe(true);
      expect(await q('select fhir_private.tenant() as t')).toEqual([{ t: null }]);
    });
  });

  it('cannot enter a context with a wrong key, nor without one', async () => {
    await inject(async ({ q, attempt }) => {
      for (const key of ["'wrong-key-0123456789abcdef0123456789abcdef'", 'null', "''"]) {
        const r = await attempt(`select fhir_private.open_context(${key}, 'victim', 'tenant')`);
        expect(r).toBeInstanceOf(Error);
        expect((r as Error).message).toMatch(/context key/);
      }
      expect(await attempt("select fhir_private.issue_context('victim', 'tenant')")).toBeInstanceOf(Error);
      expect(await attempt("select fhir_private.set_context('victim', 'tenant', null)")).toBeInstanceOf(Error);
    });
  });

  it('calls every function it may execute with the victim\'s id and lists, changes or purges nothing', async () => {
    const before = await victimRows();
    const listed = await inject(async ({ q, attempt }) => {
      const fns = await q(`select p.oid::regprocedure::text as sig, n.nspname || '.' || p.proname as name,
                                  coalesce(array_to_string(array(select format_type(x, null) from unnest(p.proargtypes) x), ','), '') as args
                             from pg_proc p join pg_namespace n on n.oid = p.pronamespace
                            where n.nspname in ('fhir_admin', 'fhir_private', 'public') and has_function_privilege(p.oid, 'EXECUTE')`);
      expect(fns.length).toBeGreaterThan(10);
      const results: Record<string, unknown>[] = [];
      for (const f of fns) {
        const args = String(f.args).split(',').filter(Boolean).map((type) =>
          type === 'text' ? "'victim'" : type === 'jsonb' ? `'{"rules":[]}'::jsonb` : `null::${type}`);
        const r = await attempt(`select * from ${String(f.name)}(${args.join(', ')})`);
        if (!(r instanceof Error)) results.push(...r.map((row) => ({ fn: f.sig, ...row })));
      }
      return results;
    });
    // Nothing that names a tenant came back: no registry row, no usage row, no resource.
    expect(listed.filter((row) => JSON.stringify(row).includes('victim') && !/^fhir_private\.(tenant|context_mode|actor)/.test(String(row.fn))), JSON.stringify(listed)).toEqual([]);
    expect(await victimRows()).toBe(before);
    const [tenant] = await t.owner.query<{ status: string }>("select status from tenant where id = 'victim'");
    expect(tenant!.status).toBe('active');
  });

  it('cannot write the shared set, nor the audit log\'s rows of others', async () => {
    await inject(async ({ q, attempt }) => {
      const r = await attempt(`insert into shared_resource (resource_type, id, version_id, last_updated, deleted, resource)
                                  values ('Organization', 'evil', 1, now(), false, '{"resourceType":"Organization"}')`);
      expect(r).toBeInstanceOf(Error);
      expect(seesNothing(await attempt('select * from audit_log'))).toBe(true);
    });
  });

  it.runIf(POSTGRES.met)(needs(POSTGRES, 'can SET ROLE to no role but fhir_app, and RESET ROLE gains nothing'), async () => {
    await inject(async ({ q, attempt }) => {
      const roles = (await q('select rolname from pg_roles')).map((r) => String(r.rolname));
      const reachable: string[] = [];
      for (const role of roles) {
        if (!(await attempt(`set local role "${role}"`) instanceof Error)) reachable.push(role);
      }
      expect(reachable.sort()).toEqual(['fhir_api_test', 'fhir_app'].sort());
      await q('reset role');
      await q("select set_config('app.tenant_id', 'victim', true)");
      for (const table of tables) expect(seesNothing(await attempt(`select * from ${table}`)), table).toBe(true);
      expect(await attempt("select * from fhir_admin.list_tenants()")).toBeInstanceOf(Error);
      expect(await attempt("select * from fhir_admin.purge_tenant('victim')")).toBeInstanceOf(Error);
      expect(await attempt('select * from fhir_private.context_key')).toBeInstanceOf(Error);
      expect(await attempt('select * from fhir_private.ticket_secret')).toBeInstanceOf(Error);
    });
    expect(await victimRows()).toBe(1);
  });
});

describe('objects planted on the connection (sql/0017)', () => {
  it.runIf(POSTGRES.met)(needs(POSTGRES, 'gives the API login no temporary objects'), async () => {
    await inject(async ({ attempt }) => {
      for (const ddl of ['create temp table resource (tenant_id text)', 'create domain pg_temp.jsonb as pg_catalog.jsonb',
        'create function pg_temp.f() returns int language sql as $$ select 1 $$']) {
        const r = await attempt(ddl);
        expect(r, ddl).toBeInstanceOf(Error);
        expect((r as Error).message, ddl).toMatch(/permission denied/);
      }
    });
  });

  // PGlite's one session is a superuser, which may create temporary objects: there the doors'
  // search_path (pg_temp last) is what keeps a planted view out of the next request.
  it.runIf(PGLITE.met)(needs(PGLITE, 'does not let a planted temp view stand in for a table in the next keyed transaction'), async () => {
    // If pg_temp came first, the server's `resource` would be this empty view.
    await t.owner.query('create temp view resource as select * from public.resource where false');
    await t.owner.query('grant select on resource to public');
    const rows = await withTenant(t.db, VICTIM, (tx) => tx.query<{ id: string }>('select id from resource'));
    expect(rows.map((r) => r.id)).toEqual(['v1']);
    await t.owner.query('drop view pg_temp.resource');
  });
});

describe('the key itself', () => {
  it('opens the tenant for the server, and only that tenant', async () => {
    const rows = await withTenant(t.db, VICTIM, (tx) => tx.query<{ tenant_id: string }>('select tenant_id from resource'));
    expect(rows.map((r) => r.tenant_id)).toEqual(['victim']);
    const other = await withTenant(t.db, 'attacker', (tx) => tx.query('select 1 from resource'));
    expect(other).toEqual([]);
  });

  it('is kept only as a hash, out of the API role\'s reach', async () => {
    const [row] = await t.owner.query<{ n: number; plain: number }>(
      "select count(*)::int as n, count(*) filter (where key_hash = convert_to($1, 'UTF8'))::int as plain from fhir_private.context_key", [t.db.contextKey],
    );
    expect(row!.n).toBeGreaterThan(0);
    expect(row!.plain).toBe(0);
  });
});
