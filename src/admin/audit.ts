import type { Tx } from '../db/database.js';

export interface AuditEntry {
  [column: string]: unknown;
  id: string;
  at: string;
  tenant: string | null;
  client: string | null;
  action: string;
  outcome: string;
  detail: string | null;
}

export interface AuditFilter {
  tenant?: string;
  client?: string;
  outcome?: string;
  /** Instants: at >= since, at < until. */
  since?: string;
  until?: string;
  /** The id of the last entry of the previous page: entries older than it. */
  before?: string;
  limit: number;
}

/** How far back the filters look: the newest entries fhir_admin.read_audit returns (its own cap). */
export const AUDIT_WINDOW = 10_000;

/**
 * Newest first. Everything goes through fhir_admin.read_audit (the one reader operators use in psql
 * too); client, outcome, time and the page are filters over its newest AUDIT_WINDOW entries of the
 * tenant, so a request costs at most that many rows whatever it asks.
 */
export function readAudit(tx: Tx, f: AuditFilter): Promise<AuditEntry[]> {
  return tx.query<AuditEntry>(
    `with a as (select * from fhir_admin.read_audit($1, ${AUDIT_WINDOW}))
     select id::text as id, to_char(at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as at, tenant, client, action, outcome, detail
       from a
      where ($2::text is null or client = $2) and ($3::text is null or outcome = $3)
        and ($4::timestamptz is null or at >= $4::timestamptz) and ($5::timestamptz is null or at < $5::timestamptz)
        and ($6::text is null or (at, id::text) < (select b.at, b.id::text from a b where b.id::text = $6))
      order by at desc, id::text desc limit $7`,
    [f.tenant ?? null, f.client ?? null, f.outcome ?? null, f.since ?? null, f.until ?? null, f.before ?? null, f.limit],
  );
}
