import { runJson } from './process.js';

/** What a load-generator process reports. Latencies in ms. */
export interface LoadResult {
  rps: number;
  requests: number;
  p50: number;
  p90: number;
  p99: number;
  non2xx: number;
  errors: number;
  statusCodes?: Record<string, { count: number }>;
  /** CPU time the load-generator process used (user + system), ms. */
  cpuMs?: number;
  /** CPU time of the PostgreSQL backends this load used (postgres.js loads), ms. */
  pgCpuMs?: number;
}

export interface HttpLoad {
  base: string;
  paths: string[];
  connections: number;
  duration: number;
  headers?: Record<string, string>;
  /** POST this body to every path instead of GETs. */
  body?: string;
}

/** autocannon in its own process (bench/lib/http-load.ts). Throws when any request failed. */
export async function runHttpLoad(load: HttpLoad, allowNon2xx = false): Promise<LoadResult> {
  const r = await runJson<LoadResult>('bench/lib/http-load.ts', load);
  if ((!allowNon2xx && r.non2xx > 0) || r.errors > 0) {
    throw new Error(`load on ${load.paths[0]}: ${r.non2xx} non-2xx, ${r.errors} errors ${JSON.stringify(r.statusCodes)}`);
  }
  return r;
}

/** Precise per-request latency (node:http, performance.now) in its own process (bench/lib/latency-load.ts). */
export async function runLatencyLoad(load: HttpLoad): Promise<LoadResult> {
  const r = await runJson<LoadResult>('bench/lib/latency-load.ts', load);
  if (r.non2xx > 0 || r.errors > 0) throw new Error(`load on ${load.paths[0]}: ${r.non2xx} non-2xx, ${r.errors} errors`);
  return r;
}

export type PgMode = 'autocommit' | 'tx' | 'tx-pipelined' | 'one-call';

export interface PgLoad {
  url: string;
  mode: PgMode;
  pool: number;
  concurrency: number;
  duration: number;
  keys: [string, string, string][];
}

/** postgres.js reads in their own process (bench/lib/pg-load.ts). */
export function runPgLoad(load: PgLoad): Promise<LoadResult> {
  return runJson<LoadResult>('bench/lib/pg-load.ts', load);
}

export interface CrudResult extends LoadResult {
  iterations: number;
  ops: Record<string, { n: number; p50: number; p90: number; p99: number }>;
  failures: Record<string, number>;
}

/** The CRUD mix in its own process (bench/lib/crud-load.ts). */
export function runCrudLoad(load: { base: string; tenant: string; concurrency: number; duration: number }): Promise<CrudResult> {
  return runJson<CrudResult>('bench/lib/crud-load.ts', load);
}

/** One request of a mixed load: `label` groups its status codes in the result. */
export interface RequestSpec {
  label: string;
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface RequestLoad {
  base: string;
  /** Each group: `loops` closed loops picking among its `requests` at random. */
  /** `cutAtEnd`: requests still running when `duration` ends are cut, not waited for (up to timeoutMs). */
  groups: { label: string; loops: number; requests: RequestSpec[]; cutAtEnd?: boolean }[];
  duration: number;
  /** Deadline of one request (ms): past it the request counts as a timeout (a failure). */
  timeoutMs: number;
}

export interface GroupResult {
  label: string;
  requests: number;
  rps: number;
  /** Latency of the 2xx answers (ms). */
  n: number;
  p50: number;
  p90: number;
  p99: number;
  /** Latency of every request but the cut ones, failures included (a timeout at its deadline): a floor when requests time out. */
  all: { n: number; p50: number; p90: number; p99: number };
  /** non2xx + timeouts + errors. */
  failed: number;
  non2xx: number;
  timeouts: number;
  errors: number;
  /** Requests of a cutAtEnd group still running when the load ended (not counted in `requests`). */
  cutAtEnd: number;
  /** Per request label: status code (or `timeout`, or an error code) → count. */
  statuses: Record<string, Record<string, number>>;
}

/** Mixed requests with per-request deadlines in their own process (bench/lib/request-load.ts); never throws on failures. */
export function runRequestLoad(load: RequestLoad): Promise<{ groups: GroupResult[]; cpuMs: number }> {
  return runJson('bench/lib/request-load.ts', load);
}
