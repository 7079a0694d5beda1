import { bundleJson, fullUrl } from '../bundle.js';
import { FhirError } from '../../core/errors.js';
import type { SearchOptions } from '../interactions/criteria.js';
import type { Repository } from '../repository/repository.js';
import { parseSearch } from '../search/parse.js';
import type { GetEntry } from './entries.js';
import type { EntryResult } from './transaction.js';

/** A GET entry of a transaction or batch: read, vread or search, in the bundle's transaction. */
export async function readEntry(repo: Repository, entry: GetEntry, options: SearchOptions): Promise<EntryResult> {
  const { type, read } = entry;
  if ('id' in read) {
    const { id, versionId } = read;
    repo.authorize(versionId === undefined ? 'read' : 'vread', type);
    const v = versionId !== undefined ? await repo.vread(type, id, versionId) : await repo.read(type, id);
    if (v === undefined) throw FhirError.notFound(`${type}/${id} is not known`);
    if (v.deleted) throw FhirError.gone(`${type}/${id} has been deleted`);
    return { status: '200 OK', version: v, resource: v.body };
  }
  repo.authorize('search', type);
  const req = parseSearch([type], [...new URLSearchParams(read.query).entries()], { ...options, strict: false, params: await repo.searchParams() });
  const result = await repo.search(req);
  const entries = [
    ...result.matches.map((v) => ({ fullUrl: fullUrl(options.base, v), search: { mode: 'match' as const }, resource: v.body })),
    ...result.included.map((v) => ({ fullUrl: fullUrl(options.base, v), search: { mode: 'include' as const }, resource: v.body })),
  ];
  return { status: '200 OK', resource: bundleJson('searchset', { total: result.total, entries }) };
}
