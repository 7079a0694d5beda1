import type { Tx } from '../../db/database.js';
import { join, raw, run, sql, type Fragment } from '../../db/sql.js';
import { SHARED_TABLES, tenantTables, type TableSet } from '../../db/table-set.js';
import { toVersion, VERSION_COLUMNS, type StoredVersion, type VersionRow } from './stored-version.js';
import { deleteResource, writeVersions, type WriteItem, type WriteResult } from './write.js';
import type { JsonObject } from '../../core/json.js';
import type { SearchRequest } from '../search/query.js';
import type { PageCursor } from '../search/cursor.js';
import { runSearch, searchScope, type SearchResult } from './search.js';
import { everything, type EverythingPage, type EverythingQuery } from './everything.js';
import type { AccessGate } from '../../auth/gate.js';
import type { PolicyInteraction } from '../../auth/policies.js';
import { FhirError } from '../../core/errors.js';
import { restrictSearch, visibilityRequest, writeInteraction } from './access.js';
import type { Scope } from '../../core/scope.js';
import type { ScopedRead, StoredType } from '../extensions.js';
import { assertEnabled, type TenantSettings } from '../tenant-settings.js';
import { BUILT_IN, type ParamSet } from '../custom-params/param-set.js';
import { reindexBatch, type ReindexCursor } from './reindex.js';

export interface RepositoryOptions {
  scope: Scope;
  /** The configured shareable types (SHARED_RESOURCE_TYPES). */
  sharedTypes: ReadonlySet<string>;
  /** Types stored for features above the core (fhir/extensions.ts): shareable, validated by their owner. */
  storedTypes?: ReadonlyMap<string, StoredType>;
  /**
   * The tenant's settings (tenant config): enabled types, page size cap, and whether written
   * resources are validated and their references checked (both default on; a tenant may switch
   * them off for bulk loads, RLS still keeps every lookup inside the tenant). Absent: defaults.
   */
  settings?: TenantSettings;
  /** The caller's access (policies ∩ scopes); absent for the server's own work (reindex). */
  gate?: AccessGate;
  /** Loads the scope's search parameters in the transaction (custom-params/load.ts); absent: the R4 ones. */
  params?: (tx: Tx) => Promise<ParamSet>;
}

/** A tenant reads shared resources of shareable types too (docs/architecture.md); the extra stored types are all shareable. */
export function isShareableType(sharedTypes: ReadonlySet<string>, storedTypes: ReadonlyMap<string, StoredType> | undefined, type: string): boolean {
  return sharedTypes.has(type) || storedTypes?.has(type) === true;
}

export interface HistoryQuery {
  type?: string;
  id?: string;
  since?: string;
  count: number;
  /** Keyset paging: where this page starts; its keys are [last_updated, version_id] as text. */
  page?: PageCursor;
}

export interface Page {
  versions: StoredVersion[];
  /** Another page after this one (before it, for a page reached through a previous link). */
  hasMore: boolean;
  hasPrevious: boolean;
  /** The first and last version listed, keyed [last_updated, version_id] as text: where the pages around start. */
  first?: { keys: string[]; resourceType: string; id: string };
  last?: { keys: string[]; resourceType: string; id: string };
}

/**
 * Stored resources of one request's scope. Knows SQL, not HTTP. A tenant's
 * repository reads its own table set and, for shareable types, the shared one; it writes only
 * its own. Every statement runs in the one transaction `tx` that withTenant/withShared opened.
 */
export class Repository {
  readonly scope: Scope;
  readonly own: TableSet;
  private params: Promise<ParamSet> | undefined;

  constructor(
    private readonly tx: Tx,
    readonly options: RepositoryOptions,
  ) {
    this.scope = options.scope;
    this.own = this.scope.kind === 'shared' ? SHARED_TABLES : tenantTables(this.scope.tenantId);
  }

  /** Checks one part of a multi-part request (bundle entries): 404 for a type not enabled, 403 when refused. */
  authorize(interaction: PolicyInteraction, type: string): void {
    if (this.options.settings) assertEnabled(this.options.settings, type);
    this.options.gate?.require(interaction, type);
  }

  isShareable(type: string): boolean {
    return isShareableType(this.options.sharedTypes, this.options.storedTypes, type);
  }

  /** The search parameters of this request's scope: loaded once, when first asked (reads never ask). */
  searchParams(): Promise<ParamSet> {
    this.params ??= this.options.params?.(this.tx) ?? Promise.resolve(BUILT_IN);
    return this.params;
  }

  private readSets(type: string): TableSet[] {
    return this.own.name === 'tenant' && this.isShareable(type) ? [this.own, SHARED_TABLES] : [this.own];
  }

  private async first(fragment: (ts: TableSet) => Fragment, sets: TableSet[]): Promise<StoredVersion | undefined> {
    for (const ts of sets) {
      const [row] = await run<VersionRow>(this.tx, fragment(ts));
      if (row) return toVersion(row, ts.name);
    }
    return undefined;
  }

  /**
   * Of `versions`, those the caller may see for `interaction`: types it may not access dropped,
   * and under a policy's criteria only resources that currently match them (one search per type).
   */
  async visible(versions: StoredVersion[], interaction: PolicyInteraction): Promise<StoredVersion[]> {
    const gate = this.options.gate;
    if (!gate || versions.length === 0) return versions;
    const out: StoredVersion[] = [];
    for (const type of new Set(versions.map((v) => v.resourceType))) {
      const d = gate.check(interaction, type);
      const ofType = versions.filter((v) => v.resourceType === type);
      if (!d.allowed) continue;
      if (!d.criteria) {
        out.push(...ofType);
        continue;
      }
      const ids = [...new Set(ofType.map((v) => v.id))];
      const found = await runSearch(this.tx, this.searchScope(), visibilityRequest(type, ids, d.criteria));
      const ok = new Set(found.matches.map((v) => v.id));
      out.push(...ofType.filter((v) => ok.has(v.id)));
    }
    return versions.filter((v) => out.includes(v));
  }

  private searchScope() {
    return searchScope(this.own, (t) => this.isShareable(t));
  }

  private async visibleOne(v: StoredVersion | undefined, interaction: PolicyInteraction): Promise<StoredVersion | undefined> {
    if (v === undefined || !this.options.gate) return v;
    return (await this.visible([v], interaction))[0];
  }

  /** The current version (possibly a deletion tombstone), or undefined when it never existed or is not visible. */
  async read(type: string, id: string): Promise<StoredVersion | undefined> {
    const v = await this.first(
      (ts) => sql`select ${VERSION_COLUMNS} from ${ts.current} where ${ts.key()}resource_type = ${type} and id = ${id}`,
      this.readSets(type),
    );
    return this.visibleOne(v, 'read');
  }

  /** The current version in the scope's own set, row-locked until the transaction ends (read-modify-write). */
  async readForUpdate(type: string, id: string): Promise<StoredVersion | undefined> {
    const [row] = await run<VersionRow>(this.tx, sql`select ${VERSION_COLUMNS} from ${this.own.current}
      where ${this.own.key()}resource_type = ${type} and id = ${id} for update`);
    return row ? toVersion(row, this.own.name) : undefined;
  }

  async vread(type: string, id: string, versionId: number): Promise<StoredVersion | undefined> {
    const v = await this.first(
      (ts) => sql`select ${VERSION_COLUMNS} from ${ts.history}
                  where ${ts.key()}resource_type = ${type} and id = ${id} and version_id = ${versionId}`,
      this.readSets(type),
    );
    // Visibility follows the resource's current state, like read.
    return v && (await this.visibleOne({ ...v, deleted: false }, 'vread')) ? v : undefined;
  }

  /**
   * Versions newest first. Instance history follows the resource into whichever set holds it;
   * type and system history list the scope's own writes.
   */
  async history(q: HistoryQuery): Promise<Page> {
    let ts = this.own;
    if (q.type !== undefined && q.id !== undefined) {
      const current = await this.read(q.type, q.id);
      if (current?.set === 'shared') ts = SHARED_TABLES;
    }
    const where: Fragment[] = [];
    if (q.type !== undefined) where.push(sql`resource_type = ${q.type}`);
    if (q.id !== undefined) where.push(sql`id = ${q.id}`);
    if (q.since !== undefined) where.push(sql`last_updated >= ${q.since}::text::timestamptz`);
    // Versions never change and a new one is newer than every listed one, so a keyset on the
    // order (newest first, then type, id, version) neither repeats nor skips one between pages.
    const back = q.page?.dir === 'before';
    if (q.page !== undefined) {
      const [lu = null, vid = null] = q.page.keys;
      const [lt, gt] = back ? ['>', '<'] : ['<', '>'];
      where.push(sql`(last_updated ${raw(lt)} ${lu}::text::timestamptz or (last_updated = ${lu}::text::timestamptz
        and ((resource_type, id) ${raw(gt)} (${q.page.type}, ${q.page.id}) or (resource_type = ${q.page.type} and id = ${q.page.id} and version_id ${raw(lt)} ${vid}::text::int))))`);
    }
    const order = back ? 'last_updated asc, resource_type desc, id desc, version_id asc' : 'last_updated desc, resource_type, id, version_id desc';
    const fetched = await run<VersionRow & { k0: string }>(
      this.tx,
      sql`select ${VERSION_COLUMNS}, last_updated::text as k0 from ${ts.history}
          where ${ts.key()}${where.length ? join(where, ' and ') : raw('true')}
          order by ${raw(order)}
          limit ${q.count + 1}`,
    );
    const rows = fetched.slice(0, q.count);
    if (back) rows.reverse();
    const more = fetched.length > q.count;
    const bound = (r: (typeof rows)[number] | undefined) => r && { keys: [r.k0, String(r.version_id)], resourceType: r.resource_type, id: r.id };
    const versions = await this.visible(rows.map((r) => toVersion(r, ts.name)), 'history');
    return {
      versions, hasMore: back ? true : more, hasPrevious: back ? more : q.page !== undefined,
      first: bound(rows[0]), last: bound(rows[rows.length - 1]),
    };
  }

  /** FHIR search over the scope's own set and, for shareable types, the shared one. */
  async search(req: SearchRequest): Promise<SearchResult> {
    const allowed = restrictSearch(req, this.options.gate, this.options.settings);
    const result = await runSearch(this.tx, this.searchScope(), allowed);
    // _include/_revinclude of types the caller may not read are left out, not leaked.
    return { ...result, included: await this.visible(result.included, 'read') };
  }

  /** A page of Patient/$everything (everything.ts), under the caller's access to each type. */
  everything(q: EverythingQuery): Promise<EverythingPage> {
    const { gate, settings } = this.options;
    return everything(this.tx, this.searchScope(), { gate, settings, visible: (vs) => this.visible(vs, 'read') }, q);
  }

  /**
   * Serializes conditional operations on the same criteria within the tenant (transaction-level
   * advisory lock), so two concurrent conditional creates cannot both find nothing and both create.
   */
  async lockCriteria(type: string, criteria: string): Promise<void> {
    const key = `${this.scope.kind === 'tenant' ? this.scope.tenantId : ''}|${type}?${criteria}`;
    await run(this.tx, sql`select pg_advisory_xact_lock(hashtextextended(${key}, 1))`);
  }

  /**
   * A read of a feature above the core (SQL on FHIR $run: fhir/extensions.ts) in this
   * transaction, under the scope and the caller's access to each type it reads.
   */
  readWith<T>(read: ScopedRead<T>): Promise<T> {
    return read(this.tx, {
      scope: this.scope,
      shareable: (t) => this.isShareable(t),
      criteria: (t) => this.options.gate?.require('search', t),
    });
  }

  /** Creates or updates (PUT semantics); see write.ts for the rules. */
  async write(type: string, id: string, input: JsonObject, options: Omit<WriteItem, 'type' | 'id' | 'input'>): Promise<WriteResult> {
    const [result] = await this.writeMany([{ type, id, input, ...options }]);
    return result!;
  }

  /**
   * Many writes with a constant number of statements (bundles). Under a policy's criteria the
   * resources must be visible before (updates) and after the write, else nothing is written (403).
   */
  async writeMany(items: WriteItem[]): Promise<WriteResult[]> {
    await this.assertWritable(items, 'before');
    const results = await writeVersions(this.tx, this, items);
    await this.assertWritable(items, 'after');
    return results;
  }

  private async assertWritable(items: WriteItem[], when: 'before' | 'after'): Promise<void> {
    const gate = this.options.gate;
    if (!gate) return;
    const restricted = items.filter((i) => gate.check(writeInteraction(i.freshId, i.interaction), i.type).criteria && !(when === 'before' && i.freshId));
    if (!restricted.length) return;
    for (const item of restricted) {
      const current = await this.first(
        (ts) => sql`select ${VERSION_COLUMNS} from ${ts.current} where ${ts.key()}resource_type = ${item.type} and id = ${item.id} and not deleted`,
        [this.own],
      );
      if (current === undefined) continue;
      const [ok] = await this.visible([current], writeInteraction(item.freshId, item.interaction));
      if (!ok) {
        throw when === 'before'
          ? FhirError.notFound(`${item.type}/${item.id} is not known`)
          : FhirError.forbidden(`Access denied: the written ${item.type} would not meet the criteria of the caller's access policy`);
      }
    }
  }

  /** Rebuilds the index rows of up to `limit` resources of the scope's own set after `after` ($reindex). */
  async reindex(after: ReindexCursor, limit: number, types?: readonly string[]) {
    return reindexBatch(this.tx, this.own, await this.searchParams(), after, limit, types);
  }

  async delete(type: string, id: string, ifMatch: number | undefined) {
    await this.assertWritable([{ type, id, input: {}, interaction: 'delete' }], 'before');
    return deleteResource(this.tx, this, type, id, ifMatch);
  }
}
