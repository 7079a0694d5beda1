import type { Database, Tx } from '../db/database.js';
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

/**
 * A denied request, in a transaction of its own (the request's was rolled back), as fhir_app,
 * which may insert into the log and nothing more. A failure to record is logged, never shown.
 */
export async function auditDenied(db: Database, log: Logger, e: AuditEntry): Promise<void> {
  try {
    await db.transaction(async (tx) => {
      await tx.query("select set_config('role', 'fhir_app', true)");
      await tx.query('insert into audit_log (tenant, client, action, outcome, detail) values ($1, $2, $3, $4, $5)', [
        e.tenant, e.client, e.action, e.outcome, e.detail ?? null,
      ]);
    });
  } catch (err) {
    log.error({ err, audit: e }, 'could not record a denied request in the audit log');
  }
}
