import type { Tx } from '../db/database.js';

/*
 * How far an import of one input got (sql/0019): `position` counts the items (NDJSON lines,
 * Bundle entries) of every batch committed so far. It is written in the batch's own transaction,
 * so it can never say more or less than what landed.
 */

export interface Checkpoint {
  position: number;
  written: number;
  failed: number;
  done: boolean;
}

interface Row {
  [column: string]: unknown;
  position: string | number;
  written: string | number;
  failed: string | number;
  done: boolean;
}

/** The checkpoint of one input of the tenant whose transaction `tx` is; undefined: never started. */
export async function readCheckpoint(tx: Tx, tenant: string, source: string): Promise<Checkpoint | undefined> {
  const [row] = await tx.query<Row>('select position, written, failed, done from import_checkpoint where tenant_id = $1 and source = $2', [tenant, source]);
  return row && { position: Number(row.position), written: Number(row.written), failed: Number(row.failed), done: row.done };
}

/** Adds one committed batch (or, with done, closes the input). */
export async function advanceCheckpoint(tx: Tx, tenant: string, source: string, step: { position: number; written: number; failed: number; done: boolean }): Promise<void> {
  await tx.query(
    `insert into import_checkpoint (tenant_id, source, position, written, failed, done) values ($1, $2, $3, $4, $5, $6::text::boolean)
     on conflict (tenant_id, source) do update set position = excluded.position, written = import_checkpoint.written + excluded.written,
       failed = import_checkpoint.failed + excluded.failed, done = excluded.done, updated_at = now()`,
    [tenant, source, step.position, step.written, step.failed, String(step.done)],
  );
}

/** Forgets an input's progress (--restart): the next run reads it from the start. */
export async function clearCheckpoint(tx: Tx, tenant: string, source: string): Promise<void> {
  await tx.query('delete from import_checkpoint where tenant_id = $1 and source = $2', [tenant, source]);
}
