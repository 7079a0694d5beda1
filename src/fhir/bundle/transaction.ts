import { FhirError } from '../../core/errors.js';
import { createTarget } from '../interactions/create.js';
import { criteriaParams, oneMatch } from '../interactions/criteria.js';
import { conditionalDeleteTargets, deleteById } from '../interactions/delete.js';
import type { InteractionOptions } from '../interactions/options.js';
import { conditionalPatchId, entryPatchDoc, patchById } from '../interactions/patch.js';
import { conditionalUpdateId } from '../interactions/update.js';
import type { Repository } from '../repository/repository.js';
import type { StoredVersion } from '../repository/stored-version.js';
import { checkIfMatch, type WriteItem, type WriteResult } from '../repository/write.js';
import { entryError, type DeleteEntry, type ParsedEntry, type PatchEntry, type PostEntry, type PutEntry } from './entries.js';
import { readEntry } from './read-entry.js';
import { conditionalReference, referenceStrings, rewriteReferences } from './rewrite.js';

export interface EntryResult {
  status: string;
  version?: StoredVersion;
  /** JSON text for the entry's resource (writes, reads, searchsets). */
  resource?: string | null;
}

export type BundleContext = InteractionOptions;

async function withEntry<T>(entry: ParsedEntry, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw entryError(entry.index, err);
  }
}

function written(r: WriteResult): EntryResult {
  return { status: r.created ? '201 Created' : '200 OK', version: r.version, resource: r.version.body };
}

/** The state of one transaction: the answers so far, and the resources already taken by an entry. */
class Run {
  readonly results = new Map<ParsedEntry, EntryResult>();
  private readonly targets = new Set<string>();

  constructor(readonly repo: Repository, readonly ctx: BundleContext) {}

  /** One resource, one entry: two entries writing the same resource would each undo the other. */
  claim(key: string): void {
    if (this.targets.has(key)) throw FhirError.badRequest(`${key} is the target of more than one entry of the transaction`);
    this.targets.add(key);
  }
}

async function runDelete(run: Run, entry: DeleteEntry): Promise<void> {
  const { repo, ctx } = run;
  const { type, target } = entry;
  repo.authorize('delete', type);
  const ids = target.kind === 'id' ? [target.id] : (await conditionalDeleteTargets(repo, ctx, type, criteriaParams(target.criteria, type))).map((v) => v.id);
  for (const id of ids) {
    run.claim(`${type}/${id}`);
    await deleteById(repo, type, id, entry.ifMatch);
  }
  run.results.set(entry, { status: '204 No Content' });
}

/** Where a POST or PUT entry writes, decided before anything is written; or the If-None-Exist match. */
async function writeTarget(run: Run, entry: PostEntry | PutEntry): Promise<{ kind: 'existing'; version: StoredVersion } | { kind: 'write'; id: string; freshId: boolean }> {
  const { repo, ctx } = run;
  const { type } = entry;
  if (entry.method === 'POST') {
    repo.authorize('create', type);
    const criteria = entry.ifNoneExist === undefined ? undefined : criteriaParams(entry.ifNoneExist, type);
    const target = await createTarget(repo, ctx.search, type, criteria);
    return target.kind === 'new' ? { kind: 'write', id: target.id, freshId: true } : target;
  }
  repo.authorize('update', type);
  const { target } = entry;
  const id = target.kind === 'id' ? target.id : await conditionalUpdateId(repo, ctx.search, type, criteriaParams(target.criteria, type), entry.resource);
  if (entry.ifMatch !== undefined) {
    // writeMany checks it too, for all entries at once; here the 412 names its entry.
    const current = await repo.readForUpdate(type, id);
    checkIfMatch(entry.ifMatch, current && { version_id: current.versionId }, `${type}/${id}`);
  }
  return { kind: 'write', id, freshId: false };
}

async function runPatch(run: Run, entry: PatchEntry, resolved: ReadonlyMap<string, string>): Promise<void> {
  const { repo, ctx } = run;
  const { type, target } = entry;
  repo.authorize('patch', type);
  const id = target.kind === 'id' ? target.id : await conditionalPatchId(repo, ctx, type, criteriaParams(target.criteria, type));
  run.claim(`${type}/${id}`);
  const doc = entryPatchDoc(rewriteReferences(entry.resource, resolved), ctx.maxJsonDepth);
  run.results.set(entry, written(await patchById(repo, ctx, type, id, doc, entry.ifMatch)));
}

/** Conditional references of the writes, each resolved once by search in this transaction. */
async function resolveReferences(run: Run, writes: { entry: ParsedEntry; item: WriteItem }[], known: ReadonlyMap<string, string>): Promise<Map<string, string>> {
  const resolved = new Map(known);
  for (const { entry, item } of writes) {
    for (const ref of referenceStrings(item.input)) {
      const cond = conditionalReference(ref);
      if (!cond || resolved.has(ref)) continue;
      const match = await withEntry(entry, async () => {
        const found = await oneMatch(run.repo, run.ctx.search, cond.type, criteriaParams(cond.query, cond.type), `Conditional reference "${ref.slice(0, 100)}"`);
        if (!found) throw FhirError.preconditionFailed(`Conditional reference "${ref.slice(0, 100)}" matches no resource`);
        return found;
      });
      resolved.set(ref, `${match.resourceType}/${match.id}`);
    }
  }
  return resolved;
}

/**
 * A transaction (R4 §3.1.0.11.1) inside the request's one database transaction: DELETE, then
 * POST, then PUT and PATCH, then GET; fullUrls and conditional references resolved before any
 * write; all creates and updates written together by writeMany. Any error aborts everything.
 * Every rule of an entry (matches, ids, shared resources, If-Match) is the HTTP interaction's,
 * from src/fhir/interactions/; what is the transaction's own is the order, the references
 * between entries, and one entry per resource.
 */
export async function runTransaction(repo: Repository, entries: ParsedEntry[], ctx: BundleContext): Promise<EntryResult[]> {
  const run = new Run(repo, ctx);
  for (const entry of entries) {
    if (entry.method === 'DELETE') await withEntry(entry, () => runDelete(run, entry));
  }

  // Ids first: every fullUrl must be known before any reference is rewritten.
  const idOf = new Map<string, string>();
  const writes: { entry: PostEntry | PutEntry; item: WriteItem }[] = [];
  for (const entry of entries) {
    if (entry.method !== 'POST' && entry.method !== 'PUT') continue;
    await withEntry(entry, async () => {
      const target = await writeTarget(run, entry);
      if (target.kind === 'existing') {
        run.results.set(entry, { status: '200 OK', version: target.version, resource: target.version.body });
        if (entry.fullUrl) idOf.set(entry.fullUrl, `${entry.type}/${target.version.id}`);
        return;
      }
      if (entry.fullUrl) idOf.set(entry.fullUrl, `${entry.type}/${target.id}`);
      run.claim(`${entry.type}/${target.id}`);
      writes.push({ entry, item: { type: entry.type, id: target.id, input: entry.resource, freshId: target.freshId, ifMatch: entry.method === 'PUT' ? entry.ifMatch : undefined, path: `Bundle.entry[${entry.index}].resource` } });
    });
  }

  const resolved = await resolveReferences(run, writes, idOf);
  for (const w of writes) w.item.input = rewriteReferences({ ...w.item.input, id: w.item.id }, resolved);
  const results = await repo.writeMany(writes.map((w) => w.item));
  writes.forEach((w, i) => {
    const r = results[i];
    if (r) run.results.set(w.entry, written(r));
  });

  for (const entry of entries) {
    if (entry.method === 'PATCH') await withEntry(entry, () => runPatch(run, entry, resolved));
  }
  for (const entry of entries) {
    if (entry.method === 'GET') run.results.set(entry, await withEntry(entry, () => readEntry(repo, entry, ctx.search)));
  }
  return entries.map((e) => {
    const result = run.results.get(e);
    if (!result) throw new Error(`Bundle.entry[${e.index}] was not answered`);
    return result;
  });
}
