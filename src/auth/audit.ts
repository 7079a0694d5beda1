import type { Database, Tx } from '../db/database.js';
import { withoutContext } from '../db/doors.js';
import type { Logger } from '../log.js';

export interface AuditEntry {
  tenant: string | null;
  client: string | null;
  action: string;
  outcome: string;
  detail?: string;
}

/** An admin action, in the action's own transaction (it is recorded if and only if it happened). */
export async function auditInTransaction(tx: Tx, e: AuditEntry): Promise<void> {
  await tx.query('select fhir_admin.record_audit($1, $2, $3, $4, $5)', [e.tenant, e.client, e.action, e.outcome, e.detail ?? null]);
}

/** A refused request (401, 403) as the caller put it: nothing in it is trusted. */
export interface Refusal {
  /** The tenant the request claimed (URL, X-Tenant-ID, token), existing or not. */
  claimedTenant: string | null;
  client: string | null;
  method: string;
  path: string;
  outcome: 'unauthenticated' | 'denied';
  detail: string;
}

/**
 * A refused request, in a transaction of its own (the request's was rolled back), through the
 * door without a context (withoutContext) and fhir_private.record_refusal (sql/0016): the row
 * names the tenant only if it exists, and refusals of one kind are counted in one row per minute,
 * so a caller can neither write into a tenant's trail by naming it nor fill the log. A failure to
 * record is logged, never shown.
 */
export async function auditDenied(db: Database, log: Logger, e: Refusal): Promise<void> {
  try {
    await withoutContext(db, async (tx) => {
      await tx.query('select fhir_private.record_refusal($1, $2, $3, $4, $5, $6)', [
        e.claimedTenant?.slice(0, 63) ?? null, e.client?.slice(0, 200) ?? null, e.method.slice(0, 16), e.path.slice(0, 300), e.outcome, e.detail.slice(0, 300),
      ]);
    });
  } catch (err) {
    log.error({ err, audit: e }, 'could not record a denied request in the audit log');
  }
}
