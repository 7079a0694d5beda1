import type { Tx } from '../db/database.js';
import { sqlState } from '../db/database.js';
import { FhirError } from '../core/errors.js';
import { compileViewDefinition, type ViewColumn } from './compile-view.js';
import { RUNTIME_COST_MARKER, viewRuntimeErrorMessage } from './errors.js';
import { runSource } from './run-criteria.js';
import { literal, quoteIdent } from './sql-text.js';
import { parseViewDefinition } from './view-definition.js';
import type { ReadScope } from '../fhir/extensions.js';

/*
 * $run (SQL on FHIR v2 $viewdefinition-run) inside a request's own transaction: the compiled view
 * is one SELECT that PostgreSQL evaluates over the stored jsonb, limited in SQL, each row turned
 * into JSON text by row_to_json (so numbers, booleans and collections come out the same on both
 * drivers). It runs as fhir_app under RLS like every request: whatever the view says, it can
 * only read the caller's tenant rows and the shared ones, and of those only what the caller's
 * access policies let a search of the type return (run-criteria.ts).
 */

export const RUN_LIMIT_DEFAULT = 1_000;
export const RUN_LIMIT_MAX = 10_000;

/** The scope a view runs in (fhir/extensions.ts): the base's table set, shareable types and the caller's access. */
type RunScope = Pick<ReadScope, 'scope' | 'shareable'> & Partial<Pick<ReadScope, 'criteria'>>;

export interface ViewRows {
  columns: ViewColumn[];
  /** One JSON object text per row, keys in column order. */
  rows: string[];
}

export function runViewSql(view: unknown, scope: RunScope): { sql: string; columns: ViewColumn[] } {
  const type = parseViewDefinition(view).resource;
  const compiled = compileViewDefinition(view, runSource(scope, type, scope.criteria?.(type)));
  const columns = compiled.columns.map((c) => `v.${quoteIdent(c.name)}`);
  // x.* is the row of x: a bare x would name a column called x instead, when the view has one.
  const sql = `select row_to_json(x.*)::text as row from (select ${columns.join(', ')} from (${compiled.sql}) as v limit $1) as x`;
  return { sql, columns: compiled.columns };
}

export async function runView(tx: Tx, scope: RunScope, view: unknown, limit: number): Promise<ViewRows> {
  const { sql, columns } = runViewSql(view, scope);
  // The view runs under the transaction's statement_timeout (STATEMENT_TIMEOUT_MS), which no
  // request may raise: a view is one statement, and one that runs longer is refused.
  try {
    const rows = await tx.query<{ row: string }>(sql, [limit]);
    return { columns, rows: rows.map((r) => r.row) };
  } catch (err) {
    const costly = viewRuntimeErrorMessage(err, RUNTIME_COST_MARKER);
    if (costly !== undefined) throw new FhirError(422, 'too-costly', `The view is too costly on the stored data: ${costly}`);
    const message = viewRuntimeErrorMessage(err);
    if (message !== undefined) throw FhirError.unprocessable(`The view failed on the stored data: ${message}`);
    const state = sqlState(err);
    if (state === '57014') throw new FhirError(422, 'too-costly', 'The view ran longer than the statement timeout (STATEMENT_TIMEOUT_MS)');
    // Class 22 (data exception): a value of the caller's own data did not fit the column's type.
    if (state?.startsWith('22') && err instanceof Error) {
      throw FhirError.unprocessable(`The view failed on the stored data: ${err.message.slice(0, 200)}`);
    }
    throw err;
  }
}
