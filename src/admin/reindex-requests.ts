import type { Tx } from '../db/database.js';

/** A reindex request of the queue (fhir_admin.reindex_request): requested, started, finished. */
export interface ReindexRequest {
  tenant: string;
  requestedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  resources: number | null;
  error: string | null;
}

interface Row {
  [column: string]: unknown;
  tenant_id: string;
  requested_at: string;
  started_at: string | null;
  finished_at: string | null;
  resources: number | null;
  error: string | null;
}

const at = (column: string) => `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as ${column}`;
const COLUMNS = `tenant_id, ${at('requested_at')}, ${at('started_at')}, ${at('finished_at')}, resources, error`;

const toRequest = (r: Row): ReindexRequest => ({
  tenant: r.tenant_id, requestedAt: r.requested_at, startedAt: r.started_at, finishedAt: r.finished_at,
  resources: r.resources === null ? null : Number(r.resources), error: r.error,
});

/** Queues (or re-queues) a reindex of the tenant; undefined when there is no such tenant. */
export async function requestReindex(tx: Tx, tenant: string): Promise<ReindexRequest | undefined> {
  const rows = await tx.query<Row>(`select ${COLUMNS} from fhir_admin.request_reindex($1)`, [tenant]);
  return rows[0] === undefined ? undefined : toRequest(rows[0]);
}

export async function listReindexRequests(tx: Tx): Promise<ReindexRequest[]> {
  return (await tx.query<Row>(`select ${COLUMNS} from fhir_admin.list_reindex_requests()`)).map(toRequest);
}
