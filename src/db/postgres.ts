import postgres from 'postgres';
import type { Database, Tx } from './database.js';

export interface PostgresOptions {
  max: number;
  statementTimeoutMs?: number;
  connectTimeoutSeconds?: number;
  /** false behind PgBouncer in transaction mode: named prepared statements do not survive it. */
  prepare?: boolean;
  /** How long a transaction or statement may wait to start (pool busy, server unreachable) before failing. */
  startTimeoutMs?: number;
  /** The tenant-context key registered in the database (sql/0014). */
  contextKey: string;
  /** Most distinct statement texts a connection prepares (DB_PREPARED_STATEMENTS). */
  maxPrepared?: number;
}

/** The database did not give us a transaction in time: a 503 for the client, safe to retry. */
export class DatabaseUnavailable extends Error {
  readonly code = 'CONNECT_TIMEOUT';
}

/**
 * A statement text longer than this is never prepared: its plan is as big as it is (a search of
 * 100 date values, 20 KB of SQL, kept about 0.6 MB in its backend), and such shapes are rare.
 */
export const MAX_PREPARED_TEXT = 8 * 1024;

/**
 * Which statement texts are prepared. A prepared statement stays in its backend's memory for
 * the connection's life, and postgres.js prepares every distinct text it is asked to: searches
 * come in many shapes, and one backend reached 236 MB after 300 of them. So the first `max`
 * texts of the process up to MAX_PREPARED_TEXT are prepared (the server's own statements come
 * first and stay); any other runs as an unnamed statement, planned each time and gone after it.
 */
export class PreparedShapes {
  private readonly texts = new Set<string>();
  constructor(private readonly max: number) {}
  prepare(text: string): boolean {
    if (this.texts.has(text)) return true;
    if (this.texts.size >= this.max || text.length > MAX_PREPARED_TEXT) return false;
    this.texts.add(text);
    return true;
  }
  get size(): number {
    return this.texts.size;
  }
}

/**
 * Rejects with DatabaseUnavailable when `work` has not started after `ms`: `giveUp` is then
 * called, and must make sure it never starts later.
 */
function startWithin<T>(ms: number, work: Promise<T>, started: () => boolean, giveUp: () => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      // Started: from here statement_timeout bounds the work, not this timer.
      if (started()) return;
      giveUp();
      reject(new DatabaseUnavailable('no database connection in time'));
    }, ms);
  });
  work.catch(() => {});
  return Promise.race([work, limit]).finally(() => clearTimeout(timer));
}

/**
 * libpq's form for a Unix-domain socket, `postgres://user@/db?host=/var/run/postgresql&port=5432`
 * (or with a host name that the `host` parameter overrides), which postgres.js does not read: it
 * would send `host` and `port` to the server as settings. Returned as postgres.js takes it: a URL with a placeholder
 * host and the socket directory as the `host` option. Any other URL is returned as it is.
 */
export function socketUrl(url: string): { url: string; host?: string; port?: number } {
  const query = url.indexOf('?');
  if (query < 0) return { url };
  const params = new URLSearchParams(url.slice(query + 1));
  const dir = params.get('host');
  if (dir === null || !dir.startsWith('/')) return { url };
  params.delete('host');
  // libpq takes the socket's port as a parameter too (`.s.PGSQL.<port>` in that directory).
  const port = params.get('port');
  params.delete('port');
  const rest = params.toString();
  // An empty host (`user@/db`, `:///db`) is no URL to postgres.js: it gets one it ignores for the socket.
  const base = url.slice(0, query).replace(/^(postgres(?:ql)?:\/\/(?:[^@/]*@)?)(?=[:/]|$)/, '$1localhost');
  return { url: rest ? `${base}?${rest}` : base, host: dir, ...(port && /^\d{1,5}$/.test(port) ? { port: Number(port) } : {}) };
}

/** The postgres.js options of a socketUrl(): host and port when it names a socket. */
export function socketOptions(target: { host?: string; port?: number }): { host?: string; port?: number } {
  return { ...(target.host ? { host: target.host } : {}), ...(target.port ? { port: target.port } : {}) };
}

export function openPostgres(url: string, options: PostgresOptions): Database & { sql: postgres.Sql; prepared: PreparedShapes } {
  // sql.unsafe() does not prepare unless asked: each statement with parameters was then parsed
  // twice, in two round trips (Describe first, for the parameter types), and planned every time.
  // Prepared, it is one round trip, parsed once per connection, and the generic plans that
  // write transactions ask for (sql/0013) are reused. Behind PgBouncer in transaction mode,
  // named statements do not survive: DB_POOLER=pgbouncer turns this off. The statements a
  // connection prepared go with it (postgres.js replaces connections after 30-60 minutes).
  const canPrepare = options.prepare ?? true;
  const prepared = new PreparedShapes(options.maxPrepared ?? 200);
  const prepare = (text: string) => canPrepare && prepared.prepare(text);
  const startTimeoutMs = options.startTimeoutMs ?? 10_000;
  const target = socketUrl(url);
  const sql = postgres(target.url, {
    ...socketOptions(target),
    max: options.max,
    prepare: canPrepare,
    connect_timeout: options.connectTimeoutSeconds ?? 5,
    onnotice: () => {},
    transform: { undefined: null },
    connection: { application_name: 'fhir-rls' },
  });
  let active = 0;
  const unsafe = (on: postgres.Sql | postgres.TransactionSql, text: string, params: readonly unknown[]) =>
    on.unsafe(text, params as postgres.ParameterOrJSON<never>[], { prepare: prepare(text) });
  return {
    kind: 'postgres',
    sql,
    prepared,
    statementTimeoutMs: options.statementTimeoutMs ?? 0,
    contextKey: options.contextKey,
    async transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
      active++;
      let gaveUp = false;
      let began = false;
      try {
        const begun = sql.begin((t) => {
          // Started after the caller was told 503: do nothing, so a retry cannot run twice.
          if (gaveUp) throw new DatabaseUnavailable('abandoned');
          began = true;
          return fn({ query: (text, params = []) => unsafe(t, text, params) as never });
        });
        return (await startWithin(startTimeoutMs, begun, () => began, () => { gaveUp = true; })) as T;
      } finally {
        active--;
      }
    },
    async statement(text, params) {
      active++;
      try {
        // The one-statement read waits for a connection like a transaction does, no longer: a
        // query still queued when the time is up is taken out of the queue (postgres.js cancel),
        // so it never runs after its request was answered 503.
        const query = unsafe(sql, text, params);
        return (await startWithin(startTimeoutMs, query, () => (query as unknown as { active: boolean }).active, () => {
          void query.cancel();
        })) as never;
      } finally {
        active--;
      }
    },
    async ping() {
      const query = sql`select 1`;
      await startWithin(startTimeoutMs, query, () => (query as unknown as { active: boolean }).active, () => {
        void query.cancel();
      });
    },
    stats: () => ({ inUse: Math.min(active, options.max), waiting: Math.max(0, active - options.max), max: options.max }),
    close: () => sql.end({ timeout: 5 }),
  };
}
