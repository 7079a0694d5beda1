import type { PGliteOptions } from '@electric-sql/pglite';

/*
 * The messages between the main thread (pglite-thread.ts) and the thread that runs PGlite
 * (pglite-worker.ts). Everything crosses by structured clone: rows keep their Dates, objects,
 * arrays and byte arrays as PGlite parsed them.
 */

/** Options handed to the PGlite constructor in the worker (only the ones that survive a clone). */
export type EmbeddedOptions = Pick<PGliteOptions, 'username' | 'database' | 'debug' | 'relaxedDurability' | 'initialMemory' | 'startParams' | 'postgresqlconf'>;

export interface WorkerInit {
  /** Undefined: in memory. */
  dataDir: string | undefined;
  options: EmbeddedOptions;
  /** In memory only: start as a copy of this PGlite data-dir dump (a tar file) instead of an empty cluster. */
  loadFrom?: string;
}

export type Request =
  /** One statement (extended protocol); `begin` opens a transaction just before it. */
  | { id: number; op: 'query'; text: string; params: readonly unknown[]; begin?: boolean }
  /** Statements in the simple protocol (several allowed, no parameters): commit, rollback, owner scripts. */
  | { id: number; op: 'exec'; text: string }
  /** The schema's migrations (migrate.ts), applied in the worker where the PGlite instance is. */
  | { id: number; op: 'migrate'; contextKey: string }
  | { id: number; op: 'close' };

export type Reply =
  | { id: number; rows: Record<string, unknown>[] }
  | { id: number; results: { rows: Record<string, unknown>[] }[] }
  | { id: number; done: true }
  | { id: number; error: SerializedError };

export type Status = { status: 'ready' } | { status: 'failed'; error: SerializedError };

/** The fields of a PGlite DatabaseError that the application reads (sqlState: code), and a few for logs. */
export interface SerializedError {
  message: string;
  code?: string;
  severity?: string;
  detail?: string;
  hint?: string;
  where?: string;
  schema?: string;
  table?: string;
  column?: string;
  constraint?: string;
}

const FIELDS = ['code', 'severity', 'detail', 'hint', 'where', 'schema', 'table', 'column', 'constraint'] as const;

export function serializeError(err: unknown): SerializedError {
  const out: SerializedError = { message: err instanceof Error ? err.message : String(err) };
  if (typeof err === 'object' && err !== null) {
    for (const f of FIELDS) {
      const v = (err as Record<string, unknown>)[f];
      if (typeof v === 'string') out[f] = v;
    }
  }
  return out;
}

/** A database error again, for the main thread: sqlState() reads its code as it did in-process. */
export class EmbeddedError extends Error {
  readonly code: string | undefined;
  readonly detail: string | undefined;
  readonly constraint: string | undefined;

  constructor(e: SerializedError) {
    super(e.message);
    this.name = 'DatabaseError';
    this.code = e.code;
    this.detail = e.detail;
    this.constraint = e.constraint;
  }
}
