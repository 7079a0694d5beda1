import { FhirError } from '../../core/errors.js';
import { isJsonObject, type JsonObject } from '../../core/json.js';
import type { SearchResult } from '../repository/search.js';
import type { StoredVersion } from '../repository/stored-version.js';
import type { Clause, SearchRequest } from '../search/query.js';
import { getSearchParam } from '../search/registry.js';
import { codeSystemModel, type CodeSystemModel } from './code-system.js';
import { MAX_LOADS, tooCostly } from './limits.js';

/*
 * Where terminology resources come from: CodeSystem, ValueSet and ConceptMap of the request's
 * scope (a tenant's own and the shared set; never another tenant's: every lookup is a search
 * in the request's transaction, under RLS). A canonical the tenant defines itself wins over the
 * shared one of the same url; among several, the given version, else the newest write.
 */

export type TerminologyType = 'CodeSystem' | 'ValueSet' | 'ConceptMap';

/** The two reads a source needs: a search (of one type) and a read by id. */
export interface SourceReads {
  search(req: SearchRequest): Promise<SearchResult>;
  /**
   * The tenant (or '' on the shared base), so a tenant's parsed CodeSystems can be cached under
   * its name; absent: only shared ones are cached (a tenant's id and version alone could be another's).
   */
  scopeKey?: string;
}

export interface Loaded {
  resource: JsonObject;
  version: StoredVersion;
}

// Candidates read per lookup (their bodies are read): the newest few, the tenant's own first.
const MAX_CANDIDATES = 5;
const MAX_MODELS = 32;
// Parsed CodeSystems by stored version (set, scope, id, versionId): a new write is a new key.
const models = new Map<string, CodeSystemModel>();

function request(type: TerminologyType, clauses: Clause[]): SearchRequest {
  return {
    types: [type], clauses, count: MAX_CANDIDATES, sort: [{ code: '_lastUpdated', descending: true }], total: 'none',
    summary: undefined, elements: undefined, include: [], revinclude: [], ignored: [],
  };
}

function param(type: TerminologyType, code: string) {
  const def = getSearchParam(type, code);
  if (def === undefined) throw new Error(`No ${type}.${code} search parameter`);
  return def;
}

function parsed(v: StoredVersion): JsonObject | undefined {
  if (v.body === null) return undefined;
  const r: unknown = JSON.parse(v.body);
  return isJsonObject(r) ? r : undefined;
}

export class TerminologySource {
  private loads = 0;

  constructor(private readonly reads: SourceReads) {}

  private async find(type: TerminologyType, clauses: Clause[]): Promise<Loaded[]> {
    if (++this.loads > MAX_LOADS) throw tooCostly(`A terminology request may load at most ${MAX_LOADS} resources`);
    const { matches } = await this.reads.search(request(type, clauses));
    const own = matches.filter((m) => m.set === 'tenant');
    const ordered = [...own, ...matches.filter((m) => m.set !== 'tenant')];
    return ordered.flatMap((version) => {
      const resource = parsed(version);
      return resource ? [{ resource, version }] : [];
    });
  }

  /** By canonical url (`url|version` too), or undefined. */
  async byUrl(type: TerminologyType, canonical: string, version?: string): Promise<Loaded | undefined> {
    const bar = canonical.indexOf('|');
    const url = bar < 0 ? canonical : canonical.slice(0, bar);
    const wanted = version ?? (bar < 0 ? undefined : canonical.slice(bar + 1));
    const clauses: Clause[] = [{ kind: 'param', def: param(type, 'url'), values: [{ type: 'uri', m: { value: url, mode: 'eq' } }], negate: false }];
    if (wanted !== undefined && wanted !== '') {
      clauses.push({ kind: 'param', def: param(type, 'version'), values: [{ type: 'token', m: { system: undefined, code: wanted, mode: 'eq' } }], negate: false });
    }
    return (await this.find(type, clauses))[0];
  }

  async byId(type: TerminologyType, id: string): Promise<Loaded | undefined> {
    return (await this.find(type, [{ kind: 'id', ids: [id] }]))[0];
  }

  /** ConceptMaps whose source (or, reverse, target) side has the code: $translate without a map, one page. */
  async conceptMapsFor(system: string | undefined, code: string, reverse: boolean): Promise<Loaded[]> {
    const side = reverse ? 'target' : 'source';
    const clauses: Clause[] = [{ kind: 'param', def: param('ConceptMap', `${side}-code`), values: [{ type: 'token', m: { system: undefined, code, mode: 'eq' } }], negate: false }];
    if (system !== undefined) clauses.push({ kind: 'param', def: param('ConceptMap', `${side}-system`), values: [{ type: 'uri', m: { value: system, mode: 'eq' } }], negate: false });
    return this.find('ConceptMap', clauses);
  }

  /** The CodeSystem of a system url as a hierarchy, or undefined when the scope has none. */
  async codeSystem(system: string, version?: string): Promise<CodeSystemModel | undefined> {
    const found = await this.byUrl('CodeSystem', system, version);
    if (found === undefined) return undefined;
    const v = found.version;
    const scope = v.set === 'shared' ? '' : this.reads.scopeKey;
    if (scope === undefined) return codeSystemModel(found.resource);
    const key = `${v.set}|${scope}|${v.id}|${v.versionId}`;
    let model = models.get(key);
    if (model === undefined) {
      model = codeSystemModel(found.resource);
      if (models.size >= MAX_MODELS) models.delete(models.keys().next().value ?? '');
      models.set(key, model);
    }
    return model;
  }

  /** As codeSystem, but 404 when unknown (R4: $lookup, $subsumes of an unknown system). */
  async requireCodeSystem(system: string, version?: string): Promise<CodeSystemModel> {
    const model = await this.codeSystem(system, version);
    if (model === undefined) throw FhirError.notFound(`Unknown code system ${system.slice(0, 200)}${version ? ` version ${version.slice(0, 40)}` : ''}`);
    return model;
  }
}
