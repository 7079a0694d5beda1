import type { ChildProcess } from 'node:child_process';
import { freePort, spawnTsx } from './process.js';
import { BENCH_CONTEXT_KEY } from './stack.js';

export const ADMIN_TOKEN = 'bench-admin-token-0123456789';

/** The FHIR server under test, in its own process (src/index.ts, as `npm start` runs it). */
export interface ServerProcess {
  base: string;
  pid: number;
  /** SIGTERM and wait (the server then writes its CPU profile, when started with one). */
  stop(): Promise<void>;
  /** False once the process has exited (crashed, killed). */
  alive(): boolean;
}

export interface ServerOptions {
  /** Unset: embedded PGlite in dataDir. */
  databaseUrl?: string;
  dataDir?: string;
  poolMax?: number;
  /** Write a V8 CPU profile into this folder on exit (node --cpu-prof). */
  cpuProfDir?: string;
  env?: Record<string, string>;
  /** SIGKILL this long after SIGTERM when the server has not exited (default 15 s). */
  killAfterMs?: number;
  /**
   * Cut each line the server logs to this many characters (a log line may carry a whole
   * 40,000-value query), and print at most `logLines` lines (then only how many were left out).
   */
  logLineChars?: number;
  logLines?: number;
  /** How long the server may take to answer /healthz (default 60 s; an embedded first start migrates PGlite). */
  healthyWithinMs?: number;
  /** Run the server of another checkout (a baseline to compare with); this one's by default. */
  root?: string;
}

export async function startServer(o: ServerOptions): Promise<ServerProcess> {
  const port = await freePort();
  const env: Record<string, string> = {
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    ADMIN_TOKEN,
    DB_POOL_MAX: String(o.poolMax ?? 10),
    MIGRATE_ON_START: 'false',
    NODE_ENV: 'production',
    ...(o.databaseUrl ? { DATABASE_URL: o.databaseUrl, TENANT_CONTEXT_KEY: BENCH_CONTEXT_KEY } : { DATABASE_URL: '', DATA_DIR: o.dataDir ?? '', MIGRATE_ON_START: 'true' }),
    ...o.env,
  };
  const flags = o.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${o.cpuProfDir}`] : [];
  const child = spawnTsx('src/index.ts', env, flags, o.logLineChars === undefined ? 'inherit' : 'pipe', o.root);
  if (o.logLineChars !== undefined) printCut(child, o.logLineChars, o.logLines ?? Number.POSITIVE_INFINITY);
  const base = `http://127.0.0.1:${port}`;
  await waitHealthy(base, child, o.healthyWithinMs ?? 60_000);
  return { base, pid: child.pid!, stop: () => stop(child, o.killAfterMs ?? 15_000), alive: () => child.exitCode === null && child.signalCode === null };
}

/** The server's stdout, each line cut to `chars`, `lines` at most (the pipe is always drained, so the server never blocks on it). */
function printCut(child: ChildProcess, chars: number, lines: number): void {
  let head = '';
  let length = 0;
  let printed = 0;
  child.once('exit', () => {
    if (printed > lines) console.log(`(server ${child.pid}: ${printed - lines} more log lines left out)`);
  });
  child.stdout!.on('data', (d: Buffer) => {
    const parts = d.toString().split('\n');
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i]!;
      if (head.length < chars) head += part.slice(0, chars - head.length);
      length += part.length;
      if (i === parts.length - 1) break; // no newline yet: the line goes on in the next chunk
      if (printed++ < lines) console.log(length > chars ? `${head}… (${length} chars)` : head);
      head = '';
      length = 0;
    }
  });
}

async function waitHealthy(base: string, child: ChildProcess, withinMs: number): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode} before it was healthy`);
    try {
      const res = await fetch(`${base}/healthz`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`server did not become healthy within ${withinMs / 1000} s`);
}

function stop(child: ChildProcess, killAfterMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
