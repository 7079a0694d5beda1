import type { Scope } from '../../core/scope.js';
import type { Tx } from '../../db/database.js';
import { run, sql, toQuery, type Fragment } from '../../db/sql.js';
import { isJsonObject } from '../../core/json.js';
import { SHARED_TABLES, type TableSet } from '../../db/table-set.js';
import type { IncludeSpec, SearchRequest } from '../search/query.js';
import { orderKeys, searchCountSql, searchPageSql, type SearchScope } from '../search/to-sql.js';
import { resolveTerminology } from '../terminology/search-modifiers.js';
import { VERSION_COLUMNS, toVersion, type StoredVersion, type VersionRow } from './stored-version.js';

export interface SearchResult {
  matches: StoredVersion[];
  included: StoredVersion[];
  /** Another page after this one (before it, for a page reached through a previous link). */
  hasMore: boolean;
  /** Whether there are rows before this page in the search's order. */
  hasPrevious: boolean;
  /** The first and last match with their sort values as text: where the previous and next pages start. */
  first?: { keys: (string | null)[]; resourceType: string; id: string };
  last?: { keys: (string | null)[]; resourceType: string; id: string };
  /** The first page's time, kept by every later page's cursor (to-sql.ts: asOf). */
  snapshot: string;
  /** Exact, or an estimate above the cap with _total=estimate; absent with _total=none or above the cap. */
  total?: number;
}

/** Include rounds for :iterate, and included resources per search: bounds on what one request can pull. */
const MAX_ITERATE = 3;
const MAX_INCLUDED = 1000;

/** The search scope of a repository: its own table set (the same object its reads and writes use). */
export function searchScope(own: TableSet, shareable: (type: string) => boolean): SearchScope {
  return { own, shareable };
}

type PageRow = VersionRow & { table_set: 'tenant' | 'shared' };

const keysOf = (row: PageRow, n: number): (string | null)[] =>
  Array.from({ length: n }, (_, i) => {
    const v = row[`k${i}`];
    return typeof v === 'string' ? v : null;
  });

export async function runSearch(tx: Tx, scope: SearchScope, query: SearchRequest): Promise<SearchResult> {
  // :in, :not-in, :below, :above become codes here, in this transaction (terminology/search-modifiers.ts).
  const req = await resolveTerminology(query, (r) => runSearch(tx, scope, r));
  const snapshot = req.page?.snapshot ?? new Date().toISOString();
  // _count=0 and _summary=count: the total only, no entries (R4 §3.1.1.5.6).
  const counting = req.summary === 'count' || req.count === 0;
  const fetched = counting ? [] : await run<PageRow>(tx, searchPageSql(req, scope));
  const back = req.page?.dir === 'before';
  const rows = fetched.slice(0, req.count);
  if (back) rows.reverse();
  const matches = rows.map((r) => toVersion(r, r.table_set));
  const more = fetched.length > req.count;
  const n = orderKeys(req).length;
  const first = rows[0];
  const last = rows[rows.length - 1];
  const result: SearchResult = {
    matches, included: [], snapshot,
    hasMore: back ? true : more,
    hasPrevious: back ? more : req.page !== undefined,
    first: first && { keys: keysOf(first, n), resourceType: first.resource_type, id: first.id },
    last: last && { keys: keysOf(last, n), resourceType: last.resource_type, id: last.id },
  };
  result.total = await total(tx, scope, req, result, TOTAL_CAP);
  result.included = matches.length ? await includes(tx, scope, req, matches) : [];
  return result;
}

/** Counted totals read at most this many rows unless _total=accurate (README: Search, totals). */
export const TOTAL_CAP = 1000;

/**
 * `total`: free on a first page that holds everything; else a count that stops after `cap` + 1
 * rows: exact below the cap, above it absent, or with _total=estimate the planner's estimate
 * (never below the cap). _total=accurate and _summary=count count every row (bounded by the
 * statement timeout); _total=none counts nothing.
 */
async function total(tx: Tx, scope: SearchScope, req: SearchRequest, result: SearchResult, cap: number): Promise<number | undefined> {
  if (req.total === 'none' && req.summary !== 'count') return undefined;
  if (req.page === undefined && !result.hasMore && req.count > 0 && req.summary !== 'count') return result.matches.length;
  // _summary=count asks for nothing but the count: always exact.
  const accurate = req.total === 'accurate' || req.summary === 'count';
  const [row] = await run<{ total: number }>(tx, searchCountSql(req, scope, accurate ? undefined : cap));
  const counted = row?.total ?? 0;
  if (accurate || counted <= cap) return counted;
  if (req.total !== 'estimate') return undefined;
  return Math.max(cap + 1, await estimate(tx, scope, req));
}

/** The planner's row estimate of the uncapped count's input (statistics, not rows read). */
async function estimate(tx: Tx, scope: SearchScope, req: SearchRequest): Promise<number> {
  const { text, params } = toQuery(searchCountSql(req, scope));
  const [row] = await tx.query<{ 'QUERY PLAN': unknown }>(`explain (format json) ${text}`, params);
  const plan: unknown = row?.['QUERY PLAN'];
  const top = Array.isArray(plan) ? plan[0] : undefined;
  const inner = isJsonObject(top) && isJsonObject(top.Plan) && Array.isArray(top.Plan.Plans) ? top.Plan.Plans[0] : undefined;
  const rows = isJsonObject(inner) ? inner['Plan Rows'] : undefined;
  return typeof rows === 'number' ? Math.round(rows) : 0;
}

const keyOf = (v: { resourceType: string; id: string; set: string }) => `${v.set}:${v.resourceType}/${v.id}`;

/** _include and _revinclude (R4 §3.1.1.5.5), with :iterate applied to what each round added. */
async function includes(tx: Tx, scope: SearchScope, req: SearchRequest, matches: StoredVersion[]): Promise<StoredVersion[]> {
  const seen = new Set(matches.map(keyOf));
  const included: StoredVersion[] = [];
  let frontier = matches;
  for (let round = 0; round <= MAX_ITERATE && frontier.length && included.length < MAX_INCLUDED; round++) {
    const fwd = req.include.filter((s) => round === 0 || s.iterate);
    const rev = req.revinclude.filter((s) => round === 0 || s.iterate);
    if (!fwd.length && !rev.length) break;
    const found: StoredVersion[] = [];
    for (const spec of fwd) found.push(...(await forward(tx, scope, spec, frontier)));
    for (const spec of rev) found.push(...(await reverse(tx, scope, spec, frontier)));
    frontier = [];
    for (const v of found) {
      if (seen.has(keyOf(v)) || included.length >= MAX_INCLUDED) continue;
      seen.add(keyOf(v));
      included.push(v);
      frontier.push(v);
    }
  }
  return included;
}

function setOf(name: 'tenant' | 'shared', scope: SearchScope): TableSet {
  return name === 'shared' ? SHARED_TABLES : scope.own;
}

export async function readMany(tx: Tx, set: TableSet, keys: { t: string; i: string }[]): Promise<StoredVersion[]> {
  if (!keys.length) return [];
  // One lookup per key (LATERAL) by (tenant_id, id) alone, type compared outside the fence: the
  // only index that leads with both is the one meant (sql/0015), whatever the statistics say.
  const rows = await run<VersionRow>(tx, sql`select r.* from unnest(${keys.map((k) => k.t)}::text[], ${keys.map((k) => k.i)}::text[]) as k(t, i)
    cross join lateral (select ${VERSION_COLUMNS} from ${set.current} r where ${set.key('r')}r.id = k.i offset 0) r
    where r.resource_type = k.t and not r.deleted`);
  return rows.map((r) => toVersion(r, set.name));
}

/** `*` (bare `_include=*` / `_revinclude=*`): any source type, by any reference parameter. */
const anyType = (spec: IncludeSpec) => spec.type === '*';

/** Targets of the sources' references; targets live in the sources' set, or the shared one. */
async function forward(tx: Tx, scope: SearchScope, spec: IncludeSpec, sources: StoredVersion[]): Promise<StoredVersion[]> {
  const out: StoredVersion[] = [];
  for (const name of ['tenant', 'shared'] as const) {
    const from = sources.filter((v) => v.set === name && (anyType(spec) || v.resourceType === spec.type));
    if (!from.length) continue;
    const set = setOf(name, scope);
    const target: Fragment = spec.target ? sql` and a.target_type = ${spec.target}` : sql``;
    const codes: Fragment = anyType(spec) ? sql`` : sql` and a.code = any(${spec.codes}::text[])`;
    // Each source's reference rows by (tenant_id, id) (LATERAL, fenced), the rest compared outside:
    // told the code too, a planner without statistics may read every row of the code instead.
    const refs = await run<{ t: string; i: string }>(tx, sql`select distinct a.target_type as t, a.target_id as i
      from unnest(${from.map((v) => v.resourceType)}::text[], ${from.map((v) => v.id)}::text[]) k(t, i)
      cross join lateral (select * from ${set.index('reference')} a where ${set.key('a')}a.id = k.i offset 0) a
      where a.resource_type = k.t${codes} and a.target_id is not null${target}`);
    out.push(...(await readMany(tx, set, refs)));
    if (name === 'tenant') out.push(...(await readMany(tx, SHARED_TABLES, refs.filter((r) => scope.shareable(r.t)))));
  }
  return out;
}

/** Resources of spec.type (any, for `*`) that refer to any of the targets by one of spec.codes (any, for `*`). */
async function reverse(tx: Tx, scope: SearchScope, spec: IncludeSpec, targets: StoredVersion[]): Promise<StoredVersion[]> {
  const withShared = scope.own.name === 'tenant' && (anyType(spec) || scope.shareable(spec.type));
  const sets = withShared ? [scope.own, SHARED_TABLES] : [scope.own];
  const restricted = spec.target ? targets.filter((t) => t.resourceType === spec.target) : targets;
  if (!restricted.length) return [];
  const source: Fragment = anyType(spec) ? sql`true` : sql`a.resource_type = ${spec.type} and a.code = any(${spec.codes}::text[])`;
  const out: StoredVersion[] = [];
  for (const set of sets) {
    // From each target through the reverse reference index, then the sources by (tenant_id, id):
    // lookups per key (LATERAL), each fence saying only what its one index leads with (sql/0015),
    // never a scan of the tenant's rows, whatever the statistics.
    const rows = await run<VersionRow>(tx, sql`select r.* from (
        select distinct a.resource_type as t, a.id from unnest(${restricted.map((t) => t.resourceType)}::text[], ${restricted.map((t) => t.id)}::text[]) as k(t, i)
        cross join lateral (select * from ${set.index('reference')} a where ${set.key('a')}a.target_type = k.t and a.target_id = k.i offset 0) a
        where ${source}) m
      cross join lateral (select ${VERSION_COLUMNS} from ${set.current} r where ${set.key('r')}r.id = m.id offset 0) r
      where r.resource_type = m.t and not r.deleted
      limit ${MAX_INCLUDED}`);
    out.push(...rows.map((r) => toVersion(r, set.name)));
  }
  return out;
}
