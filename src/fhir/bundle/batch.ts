import { FhirError } from '../../core/errors.js';
import { fromDatabase } from '../db-errors.js';
import type { Repository } from '../repository/repository.js';
import type { InvalidEntry, ParsedEntry } from './entries.js';
import { runTransaction, type BundleContext, type EntryResult } from './transaction.js';

export interface BatchResult extends EntryResult {
  outcome?: unknown;
}

/**
 * A batch (R4 §3.1.0.11.1): every entry on its own, in its own transaction, so one failing entry
 * changes nothing of the others; each gets its status, or its OperationOutcome.
 */
export async function runBatch(
  open: <T>(fn: (repo: Repository) => Promise<T>) => Promise<T>,
  entries: (ParsedEntry | InvalidEntry)[],
  ctx: BundleContext,
): Promise<BatchResult[]> {
  const results: BatchResult[] = [];
  for (const entry of entries) {
    try {
      if (entry.method === 'invalid') throw entry.error;
      results.push(...(await open((repo) => runTransaction(repo, [entry], ctx))));
    } catch (err) {
      // What the error renderer would answer for the entry alone (a conflict, a cost cap), else ours: rethrown.
      const fhir = err instanceof FhirError ? err : fromDatabase(err);
      if (fhir === undefined) throw err;
      results.push({ status: `${fhir.status} ${statusText(fhir.status)}`, outcome: fhir.toOutcome() });
    }
  }
  return results;
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request', 403: 'Forbidden', 404: 'Not Found', 409: 'Conflict', 410: 'Gone', 412: 'Precondition Failed', 413: 'Content Too Large',
  422: 'Unprocessable Entity', 429: 'Too Many Requests', 503: 'Service Unavailable',
};

function statusText(status: number): string {
  return STATUS_TEXT[status] ?? 'Error';
}
