import postgres from 'postgres';
import type { Database, Tx } from './database.js';

export interface PostgresOptions {
  max: number;
  statementTimeoutMs?: number;
  connectTimeoutSeconds?: number;
  /** false behind PgBouncer in transaction mode: named prepared statements do not survive it. */
  prepare?: boolean;
  /** How long a transaction may wait to start (pool busy, server unreachable) before failing. */
  startTimeoutMs?: number;
  /** The tenant-context key registered in the database (sql/0014). */
  contextKey: string;
}

/** The database did not give us a transaction in time: a 503 for the client, safe to retry. */
export class DatabaseUnavailable extends Error {
  readonly code = 'CONNECT_TIMEOUT';
}

export function openPostgres(url: string, options: PostgresOptions): Database & { sql: postgres.Sql } {
  // sql.unsafe() does not prepare unless asked: each statement with parameters was then parsed
  // twice, in two round trips (Describe first, for the parameter types), and planned every time.
  // Prepared, it is one round trip, parsed once per connection, and the generic plans that
  // write transactions ask for (sql/0013) are reused. Behind PgBouncer in transaction mode,
  // named statements do not survive: DB_POOLER=pgbouncer turns this off. The statements a
  // connection prepared go with it (postgres.js replaces connections after 30-60 minutes).
  const prepare = options.prepare ?? true;
  const sql = postgres(url, {
    max: options.max,
    prepare,
    connect_timeout: options.connectTimeoutSeconds ?? 5,
    onnotice: () => {},
    transform: { undefined: null },
    connection: { application_name: 'fhir-rls' },
  });
  let active = 0;
  return {
    kind: 'postgres',
    sql,
    statementTimeoutMs: options.statementTimeoutMs ?? 0,
    contextKey: options.contextKey,
    async transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
      active++;
      let gaveUp = false;
      let timer: NodeJS.Timeout | undefined;
      try {
        const begun = sql.begin((t) => {
          // Started after the caller was told 503: do nothing, so a retry cannot run twice.
          if (gaveUp) throw new DatabaseUnavailable('abandoned');
          // Started: from here statement_timeout bounds the work, not this timer.
          clearTimeout(timer);
          return fn({ query: (text, params = []) => t.unsafe(text, params as postgres.ParameterOrJSON<never>[], { prepare }) as never });
        });
        const limit = new Promise<never>((_, reject) => {
          timer = setTimeout(() => {
            gaveUp = true;
            reject(new DatabaseUnavailable('no database connection in time'));
          }, options.startTimeoutMs ?? 10_000);
        });
        begun.catch(() => {});
        return (await Promise.race([begun, limit])) as T;
      } finally {
        clearTimeout(timer);
        active--;
      }
    },
    async statement(text, params) {
      return (await sql.unsafe(text, params as postgres.ParameterOrJSON<never>[], { prepare })) as never;
    },
    async ping() {
      await sql`select 1`;
    },
    stats: () => ({ inUse: Math.min(active, options.max), waiting: Math.max(0, active - options.max), max: options.max }),
    close: () => sql.end({ timeout: 5 }),
  };
}
