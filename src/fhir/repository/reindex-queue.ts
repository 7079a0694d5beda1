import type { Database } from '../../db/database.js';
import { withAdmin } from '../../db/doors.js';
import type { Logger } from '../../log.js';
import { reindexTenant } from './reindex.js';

/*
 * Reindex requests recorded in SQL (fhir_admin.request_reindex, e.g. by an operator in psql) are
 * carried out here: SQL cannot evaluate the SearchParameter FHIRPath that the index rows come
 * from. Each request is claimed by one worker (fhir_admin.claim_reindex_request, SKIP LOCKED),
 * rebuilt with reindexTenant, and its outcome written back (fhir_admin.list_reindex_requests).
 */

/** Carries out every pending request; returns how many were handled. */
export async function drainReindexRequests(db: Database): Promise<number> {
  let handled = 0;
  for (;;) {
    const [request] = await withAdmin(db, (tx) => tx.query<{ tenant_id: string }>('select tenant_id from fhir_admin.claim_reindex_request()'));
    if (request === undefined) return handled;
    let resources: number | null = null;
    let error: string | null = null;
    try {
      resources = await reindexTenant(db, request.tenant_id);
    } catch (err) {
      error = err instanceof Error ? err.message.slice(0, 500) : 'reindex failed';
    }
    await withAdmin(db, (tx) => tx.query('select * from fhir_admin.finish_reindex_request($1, $2, $3)', [request.tenant_id, resources, error]));
    handled += 1;
  }
}

/** Drains the requests every `everyMs` (one drain at a time); returns the stop function. */
export function startReindexWorker(db: Database, log: Logger, everyMs = 10_000): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    drainReindexRequests(db)
      .then((n) => { if (n > 0) log.info({ requests: n }, 'reindex requests handled'); })
      .catch((err: unknown) => log.error({ err }, 'reindex requests failed'))
      .finally(() => { running = false; });
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
