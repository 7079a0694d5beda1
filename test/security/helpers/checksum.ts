import type { OwnerSql } from '../../helpers/db.js';

/*
 * What a tenant holds, as the owner sees it (no RLS): one md5 per tenant table (every table of
 * the schema with a tenant_id column, found in the catalog so a new table is covered without
 * editing this file), plus the tenant's registry row. Equal before and after ⇒ nothing of the
 * tenant was written, whatever the API answered.
 */
export type Checksum = Record<string, string>;

async function tenantTables(owner: OwnerSql): Promise<string[]> {
  const rows = await owner.query<{ name: string }>(`
    select format('%I.%I', n.nspname, c.relname) as name
      from pg_class c join pg_namespace n on n.oid = c.relnamespace
      join pg_attribute a on a.attrelid = c.oid and a.attname = 'tenant_id' and not a.attisdropped
     where c.relkind in ('r', 'p') and n.nspname not in ('pg_catalog', 'information_schema')
     order by 1`);
  if (rows.length < 5) throw new Error(`only ${rows.length} tenant tables found: the catalog query is wrong`);
  return rows.map((r) => r.name);
}

/** The shared table set: tables whose name starts with shared_. */
async function sharedTables(owner: OwnerSql): Promise<string[]> {
  const rows = await owner.query<{ name: string }>(`
    select format('%I.%I', n.nspname, c.relname) as name
      from pg_class c join pg_namespace n on n.oid = c.relnamespace
     where c.relkind in ('r', 'p') and n.nspname = 'public' and c.relname like 'shared\\_%'
     order by 1`);
  if (rows.length < 2) throw new Error('no shared tables found');
  return rows.map((r) => r.name);
}

export async function tenantChecksum(owner: OwnerSql, tenant: string): Promise<Checksum> {
  const out: Checksum = {};
  for (const table of await tenantTables(owner)) {
    const [row] = await owner.query<{ n: string | number; md5: string }>(
      `select count(*) as n, md5(coalesce(string_agg(t::text, '|' order by t::text), '')) as md5 from ${table} t where tenant_id = $1`, [tenant]);
    out[table] = `${row?.n}:${row?.md5}`;
  }
  const [reg] = await owner.query<{ row: string }>('select t::text as row from public.tenant t where id = $1', [tenant]);
  out.tenant = reg?.row ?? 'missing';
  return out;
}

export async function sharedChecksum(owner: OwnerSql): Promise<Checksum> {
  const out: Checksum = {};
  for (const table of await sharedTables(owner)) {
    const [row] = await owner.query<{ n: string | number; md5: string }>(
      `select count(*) as n, md5(coalesce(string_agg(t::text, '|' order by t::text), '')) as md5 from ${table} t`);
    out[table] = `${row?.n}:${row?.md5}`;
  }
  return out;
}

/** Row count of a tenant's resources (a sanity check that the checksum covers real data). */
export async function resourceCount(owner: OwnerSql, tenant: string): Promise<number> {
  const [row] = await owner.query<{ n: string | number }>('select count(*) as n from public.resource where tenant_id = $1', [tenant]);
  return Number(row?.n ?? 0);
}
