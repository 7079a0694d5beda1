import { randomUUID } from 'node:crypto';
import { FhirError } from '../errors.js';
import { criteriaParams, findMatches } from '../handlers/conditional.js';
import { assertJsonText, type JsonObject } from '../json.js';
import { patchResource, type PatchDoc } from '../patch/patch-resource.js';
import type { Repository } from '../repository/repository.js';
import type { StoredVersion } from '../repository/stored-version.js';
import type { WriteItem } from '../repository/write.js';
import type { ParseOptions } from '../search/parse.js';
import { entryError, type ParsedEntry } from './entries.js';
import { readEntry } from './read-entry.js';
import { CONDITIONAL_REFERENCE, referenceStrings, rewriteReferences } from './rewrite.js';

export interface EntryResult {
  status: string;
  version?: StoredVersion;
  /** JSON text for the entry's resource (writes, reads, searchsets). */
  resource?: string | null;
}

export interface BundleContext {
  search: Omit<ParseOptions, 'strict'>;
  conditionalDeleteMax: number;
  /** MAX_JSON_DEPTH, for the JSON Patch a Binary entry carries (the body check cannot see into it). */
  maxJsonDepth: number;
  /** MAX_BODY_BYTES: the most a PATCH entry may grow its resource to. */
  maxBodyBytes: number;
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

async function withEntry<T>(entry: ParsedEntry, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw entryError(entry.index, err);
  }
}

/** One match of a conditional reference or operation; 412 for none or several (R4 §3.1.0.11.3). */
async function single(ctx: BundleContext, repo: Repository, type: string, query: string, what: string): Promise<StoredVersion | undefined> {
  // criteriaParams: the rule of the HTTP conditional operations, a 400 without selective criteria
  // (`_count=1` alone would otherwise match every resource of the type).
  const found = await findMatches(ctx.search, repo, type, criteriaParams(query, type), 1);
  if (found.length > 1) throw FhirError.preconditionFailed(`${what} "${type}?${query.slice(0, 100)}" matches more than one resource`);
  return found[0];
}

function patchDoc(resource: JsonObject, maxJsonDepth: number): PatchDoc {
  if (resource.resourceType === 'Binary' && typeof resource.data === 'string') {
    // A JSON Patch travels in a transaction as a Binary (R4 §3.1.0.11).
    let body: unknown;
    try {
      const text = UTF8.decode(Buffer.from(resource.data, 'base64'));
      assertJsonText(text, maxJsonDepth);
      body = JSON.parse(text);
    } catch (err) {
      if (err instanceof FhirError) throw err;
      throw FhirError.badRequest('The Binary of a PATCH entry does not hold a JSON Patch');
    }
    return { kind: 'json-patch', body };
  }
  return { kind: 'fhirpath', body: resource };
}

/**
 * A transaction (R4 §3.1.0.11.1) inside the request's one database transaction: DELETE, then
 * POST, then PUT and PATCH, then GET; fullUrls and conditional references resolved before any
 * write; all creates and updates written together by writeMany. Any error aborts everything.
 */
export async function runTransaction(repo: Repository, entries: ParsedEntry[], ctx: BundleContext): Promise<EntryResult[]> {
  const results: EntryResult[] = new Array(entries.length);
  const targets = new Set<string>();
  const claim = (entry: ParsedEntry, key: string) => {
    if (targets.has(key)) throw entryError(entry.index, FhirError.badRequest(`${key} is the target of more than one entry of the transaction`));
    targets.add(key);
  };

  for (const entry of entries.filter((e) => e.action.method === 'DELETE')) {
    await withEntry(entry, async () => {
      const a = entry.action as { type: string; id?: string; criteria?: string };
      repo.authorize('delete', a.type);
      const ids = a.id !== undefined ? [a.id] : (await findMatches(ctx.search, repo, a.type, criteriaParams(a.criteria!, a.type), ctx.conditionalDeleteMax)).map((v) => v.id);
      if (ids.length > ctx.conditionalDeleteMax) throw FhirError.preconditionFailed(`The criteria match more than ${ctx.conditionalDeleteMax} resources`);
      for (const id of ids) {
        claim(entry, `${a.type}/${id}`);
        const done = await repo.delete(a.type, id, entry.ifMatch);
        if (done === undefined && a.id !== undefined) throw FhirError.notFound(`${a.type}/${id} is not known`);
      }
      results[entry.index] = { status: '204 No Content' };
    });
  }

  // Ids first: every fullUrl must be known before any reference is rewritten.
  const idOf = new Map<string, string>();
  const writes: { entry: ParsedEntry; item: WriteItem }[] = [];
  for (const entry of entries.filter((e) => e.action.method === 'POST' || e.action.method === 'PUT')) {
    await withEntry(entry, async () => {
      const a = entry.action;
      repo.authorize(a.method === 'POST' ? 'create' : 'update', a.type);
      let id: string;
      let fresh = false;
      if (a.method === 'POST') {
        const existing = a.ifNoneExist === undefined ? undefined : await single(ctx, repo, a.type, a.ifNoneExist.replace(/^[^?]*\?/, ''), 'ifNoneExist');
        if (existing) {
          results[entry.index] = { status: '200 OK', version: existing, resource: existing.body };
          if (entry.fullUrl) idOf.set(entry.fullUrl, `${a.type}/${existing.id}`);
          return;
        }
        id = randomUUID();
        fresh = true;
      } else if ('criteria' in a) {
        const match = await single(ctx, repo, a.type, a.criteria, 'Conditional update');
        id = match?.id ?? (typeof entry.resource!.id === 'string' ? entry.resource!.id : randomUUID());
      } else {
        id = (a as { id: string }).id;
      }
      claim(entry, `${a.type}/${id}`);
      if (entry.fullUrl) idOf.set(entry.fullUrl, `${a.type}/${id}`);
      writes.push({ entry, item: { type: a.type, id, input: entry.resource!, freshId: fresh, ifMatch: entry.ifMatch, path: `Bundle.entry[${entry.index}].resource` } });
    });
  }

  // Conditional references, each resolved once by search in this transaction.
  const resolved = new Map(idOf);
  for (const { entry, item } of writes) {
    for (const ref of referenceStrings(item.input)) {
      const m = CONDITIONAL_REFERENCE.exec(ref);
      if (!m || resolved.has(ref)) continue;
      const match = await withEntry(entry, () => single(ctx, repo, m[1]!, m[2]!, 'Conditional reference'));
      if (!match) throw entryError(entry.index, FhirError.preconditionFailed(`Conditional reference "${ref.slice(0, 100)}" matches no resource`));
      resolved.set(ref, `${match.resourceType}/${match.id}`);
    }
  }
  for (const w of writes) w.item.input = rewriteReferences({ ...w.item.input, id: w.item.id }, resolved);

  const written = await repo.writeMany(writes.map((w) => w.item));
  written.forEach((r, i) => {
    const entry = writes[i]!.entry;
    results[entry.index] = { status: r.created ? '201 Created' : '200 OK', version: r.version, resource: r.version.body };
  });

  for (const entry of entries.filter((e) => e.action.method === 'PATCH')) {
    await withEntry(entry, async () => {
      const a = entry.action as { type: string; id: string };
      repo.authorize('patch', a.type);
      claim(entry, `${a.type}/${a.id}`);
      const r = await patchResource(repo, a.type, a.id, patchDoc(rewriteReferences(entry.resource!, resolved), ctx.maxJsonDepth), entry.ifMatch, { maxBytes: ctx.maxBodyBytes });
      results[entry.index] = { status: '200 OK', version: r.version, resource: r.version.body };
    });
  }

  for (const entry of entries.filter((e) => e.action.method === 'GET')) {
    results[entry.index] = await withEntry(entry, () => readEntry(repo, entry, ctx.search));
  }
  return results;
}

