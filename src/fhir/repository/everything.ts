import type { AccessGate } from '../../auth/gate.js';
import type { Tx } from '../../db/database.js';
import { join, raw, run, sql, type Fragment } from '../../db/sql.js';
import { SHARED_TABLES } from '../../db/table-set.js';
import { distinctOf, driverSql } from '../search/driver-sql.js';
import { Aliases, compartmentCode, filterSql, type SearchScope, type Subject } from '../search/filter-sql.js';
import type { Clause } from '../search/query.js';
import { patientCompartment } from '../search/registry.js';
import { enabledType, type TenantSettings } from '../tenant-settings.js';
import { criteriaClause } from './access.js';
import { readMany } from './search.js';
import { VERSION_COLUMNS, toVersion, type StoredVersion, type VersionRow } from './stored-version.js';

/*
 * The SQL of Patient/$everything (R4 OperationDefinition Patient-everything): the compartment's
 * members a page at a time, in a keyset order that does not move when data changes (the patient
 * first, then by type and id), and what each page's members refer to.
 *
 * Cost: a page reads the patient's reverse reference rows (the compartment driver of search,
 * one index range), one key lookup per member for its type, state and last update, and the
 * bodies of the page's rows only; the members' references are read by (tenant_id, id). A
 * compartment of a few thousand resources is a few milliseconds a page; the statement timeout
 * bounds any other.
 */

/** Where a page starts after: rank (0 for the patient itself, 1 for the others), type, id. */
export type EverythingKey = readonly [rank: 0 | 1, type: string, id: string];

export type CompartmentClause = Extract<Clause, { kind: 'compartment' }>;

export interface MemberQuery {
  /** The compartment: its owner, the parameters of the types to return, `self` for the patient itself. */
  compartment: CompartmentClause;
  /** The member types searched (the owner's type included when `self`). */
  types: readonly string[];
  /** More conditions on each member (access criteria), with `r` the member's row. */
  clauses: readonly Clause[];
  /** _since: last updated at or after this instant. */
  since: string | undefined;
  count: number;
  after: EverythingKey | undefined;
}

export interface MemberPage {
  members: StoredVersion[];
  /** The key of the last member, when more follow. */
  next: EverythingKey | undefined;
  /** Members in all pages; undefined when not known (an empty page after the first). */
  total: number | undefined;
}

export async function compartmentPage(tx: Tx, scope: SearchScope, q: MemberQuery): Promise<MemberPage> {
  const own = scope.own;
  const aliases = new Aliases();
  const driver = driverSql(q.compartment, own, q.types, scope, aliases);
  if (driver === null || !q.types.length) return { members: [], next: undefined, total: 0 };
  const subject: Subject = { set: own, type: raw('r.resource_type'), id: raw('r.id'), row: 'r' };
  const where: Fragment[] = [
    raw('r.resource_type = m.t and not r.deleted'),
    ...q.clauses.map((c) => filterSql(c, subject, scope, aliases)),
    ...(q.since === undefined ? [] : [sql`r.last_updated >= ${q.since}::text::timestamptz`]),
  ];
  const owner = q.compartment;
  const after = q.after === undefined ? raw('true') : sql`(c.k, c.t, c.i) > (${q.after[0]}::int, ${q.after[1]}::text, ${q.after[2]}::text)`;
  // The members' keys first (no body is read for them), counted once, then the bodies of one page.
  const rows = await run<VersionRow & { k: number; total: number }>(tx, sql`with c as materialized (
      select case when r.resource_type = ${owner.ownerType} and r.id = ${owner.ownerId} then 0 else 1 end as k, r.resource_type as t, r.id as i
      from ${distinctOf(driver)} m cross join lateral (select x.resource_type, x.id, x.deleted, x.last_updated from ${own.current} x
        where ${own.key('x')}x.id = m.i offset 0) r
      where ${join(where, ' and ')})
    select (select count(*) from c)::int as total, p.k, v.* from (select * from c where ${after} order by c.k, c.t, c.i limit ${q.count + 1}) p
      cross join lateral (select ${VERSION_COLUMNS} from ${own.current} x where ${own.key('x')}x.id = p.i offset 0) v
      where v.resource_type = p.t
      order by p.k, p.t, p.i`);
  const page = rows.slice(0, q.count);
  const last = page.at(-1);
  return {
    members: page.map((r) => toVersion(r, own.name)),
    next: rows.length > q.count && last ? [last.k === 0 ? 0 : 1, last.resource_type, last.id] : undefined,
    total: rows[0]?.total ?? (q.after === undefined ? 0 : undefined),
  };
}

/** Most resources a page's members may bring along: a bound on what one request pulls, as for _include. */
export const MAX_REFERENCED = 1000;

/**
 * What the members refer to, one level (R4: "any resource referenced from those"), read from the
 * members' set and, for shareable types, the shared one; never the owner or another member of
 * its compartment (`compartment`: every type's parameters), which have their own place in the
 * pages (or are left out on purpose: a type the caller may not search is not brought in by a
 * reference either).
 */
export async function referencedBy(tx: Tx, scope: SearchScope, compartment: CompartmentClause, members: readonly StoredVersion[]): Promise<StoredVersion[]> {
  if (!members.length) return [];
  const own = scope.own;
  const { ownerType, ownerId } = compartment;
  const refs = await run<{ t: string; i: string }>(tx, sql`select distinct a.target_type as t, a.target_id as i
    from unnest(${members.map((v) => v.resourceType)}::text[], ${members.map((v) => v.id)}::text[]) k(t, i)
    cross join lateral (select * from ${own.index('reference')} a where ${own.key('a')}a.id = k.i offset 0) a
    where a.resource_type = k.t and a.target_id is not null and not (a.target_type = ${ownerType} and a.target_id = ${ownerId})
      and not exists (select 1 from (select * from ${own.index('reference')} z where ${own.key('z')}z.id = a.target_id offset 0) z
        where z.resource_type = a.target_type and z.target_type = ${ownerType} and z.target_id = ${ownerId}
          and ${compartmentCode(compartment, 'z', Object.keys(compartment.codes))})
    limit ${MAX_REFERENCED}`);
  const found = await readMany(tx, own, refs);
  const shared = own.name === 'tenant' ? await readMany(tx, SHARED_TABLES, refs.filter((r) => scope.shareable(r.t))) : [];
  return [...found, ...shared];
}

export interface EverythingQuery {
  patientId: string;
  /** _type: only resources of these types are returned (members and referenced alike); undefined: all. */
  types: ReadonlySet<string> | undefined;
  since: string | undefined;
  count: number;
  after: EverythingKey | undefined;
}

export interface EverythingPage extends MemberPage {
  referenced: StoredVersion[];
}

/**
 * One page of Patient/$everything as the caller may see it: members of the types it may search
 * (their access criteria in the SQL), the patient itself (whose read the handler checked), and
 * what they refer to, of the types it may read (`visible`). Types not enabled for the tenant, or
 * not asked for by _type, are left out; _since applies to every resource returned.
 */
export async function everything(
  tx: Tx,
  scope: SearchScope,
  access: { gate?: AccessGate; settings?: TenantSettings; visible: (vs: StoredVersion[]) => Promise<StoredVersion[]> },
  q: EverythingQuery,
): Promise<EverythingPage> {
  const { gate, settings } = access;
  const wanted = (t: string) => (q.types === undefined || q.types.has(t)) && (settings === undefined || enabledType(settings, t));
  const all = patientCompartment();
  const codes: Record<string, readonly string[]> = {};
  const clauses: Clause[] = [];
  for (const [type, params] of Object.entries(all)) {
    const d = gate?.check('search', type);
    if (!params.length || !wanted(type) || d?.allowed === false) continue;
    codes[type] = params;
    if (d?.criteria) clauses.push(criteriaClause(type, d.criteria));
  }
  const self = wanted('Patient');
  const types = [...Object.keys(codes), ...(self && codes.Patient === undefined ? ['Patient'] : [])];
  const count = settings?.maxCount === undefined ? q.count : Math.min(q.count, settings.maxCount);
  const compartment: CompartmentClause = { kind: 'compartment', codes, ownerType: 'Patient', ownerId: q.patientId, self };
  const page = await compartmentPage(tx, scope, { compartment, types, clauses, since: q.since, count, after: q.after });
  const found = await referencedBy(tx, scope, { ...compartment, codes: all }, page.members);
  const since = q.since === undefined ? undefined : Date.parse(q.since);
  const kept = found.filter((v) => wanted(v.resourceType) && (since === undefined || Date.parse(v.lastUpdated) >= since));
  return { ...page, referenced: await access.visible(kept) };
}
