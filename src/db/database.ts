/** The little the application needs from a driver: both backends implement it (postgres.ts, pglite.ts). */
export type Row = Record<string, unknown>;

export interface Tx {
  query<T extends Row = Row>(text: string, params?: readonly unknown[]): Promise<T[]>;
}

export interface PoolStats {
  /** Transactions holding a connection. */
  inUse: number;
  /** Transactions waiting for one. */
  waiting: number;
  max: number;
}

export interface Database {
  readonly kind: 'postgres' | 'pglite';
  /** statement_timeout set in every transaction (0: none). */
  readonly statementTimeoutMs: number;
  /**
   * The tenant-context key (sql/0014): every door to the data passes it to
   * fhir_private.open_context. The database keeps only its hash; SQL without it enters no tenant.
   */
  readonly contextKey: string;
  /** A round trip, for readiness checks. */
  ping(): Promise<void>;
  stats(): PoolStats;
  /**
   * One statement in its own implicit transaction (autocommit). Only for statements that set
   * their own transaction-local settings, like fhir_private.read_resource (the fast read path).
   */
  statement<T extends Row = Row>(text: string, params: readonly unknown[]): Promise<T[]>;
  /** One pinned transaction; commits when fn resolves, rolls back when it throws. */
  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** SQLSTATE of a driver error (both drivers expose it as `code`). */
export function sqlState(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string') {
    return /^[0-9A-Z]{5}$/.test(err.code) ? err.code : undefined;
  }
  return undefined;
}
