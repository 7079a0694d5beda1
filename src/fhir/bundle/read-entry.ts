import { bundleJson, fullUrl } from '../bundle.js';
import { FhirError } from '../errors.js';
import type { Repository } from '../repository/repository.js';
import { parseSearch, type ParseOptions } from '../search/parse.js';
import type { ParsedEntry } from './entries.js';
import type { EntryResult } from './transaction.js';

/** A GET entry of a transaction or batch: read, vread or search, in the bundle's transaction. */
export async function readEntry(repo: Repository, entry: ParsedEntry, options: Omit<ParseOptions, 'strict'>): Promise<EntryResult> {
  const a = entry.action as { type: string; id?: string; versionId?: number; query?: string };
  repo.authorize(a.id === undefined ? 'search' : a.versionId === undefined ? 'read' : 'vread', a.type);
  if (a.id !== undefined) {
    const v = a.versionId !== undefined ? await repo.vread(a.type, a.id, a.versionId) : await repo.read(a.type, a.id);
    if (v === undefined) throw FhirError.notFound(`${a.type}/${a.id} is not known`);
    if (v.deleted) throw FhirError.gone(`${a.type}/${a.id} has been deleted`);
    return { status: '200 OK', version: v, resource: v.body };
  }
  const req = parseSearch([a.type], [...new URLSearchParams(a.query ?? '').entries()], { ...options, strict: false });
  const result = await repo.search(req);
  const entries = [
    ...result.matches.map((v) => ({ fullUrl: fullUrl(options.base, v), search: { mode: 'match' as const }, resource: v.body })),
    ...result.included.map((v) => ({ fullUrl: fullUrl(options.base, v), search: { mode: 'include' as const }, resource: v.body })),
  ];
  return { status: '200 OK', resource: bundleJson('searchset', { total: result.total, entries }) };
}
