import type { ChildProcess } from 'node:child_process';
import { freePort, spawnTsx } from './process.js';

export const ADMIN_TOKEN = 'bench-admin-token-0123456789';

/** The FHIR server under test, in its own process (src/index.ts, as `npm start` runs it). */
export interface ServerProcess {
  base: string;
  pid: number;
  /** SIGTERM and wait (the server then writes its CPU profile, when started with one). */
  stop(): Promise<void>;
}

export interface ServerOptions {
  /** Unset: embedded PGlite in dataDir. */
  databaseUrl?: string;
  dataDir?: string;
  poolMax?: number;
  /** Write a V8 CPU profile into this folder on exit (node --cpu-prof). */
  cpuProfDir?: string;
  env?: Record<string, string>;
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
    ...(o.databaseUrl ? { DATABASE_URL: o.databaseUrl } : { DATABASE_URL: '', DATA_DIR: o.dataDir ?? '', MIGRATE_ON_START: 'true' }),
    ...o.env,
  };
  const flags = o.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${o.cpuProfDir}`] : [];
  const child = spawnTsx('src/index.ts', env, flags, 'inherit');
  const base = `http://127.0.0.1:${port}`;
  await waitHealthy(base, child);
  return { base, pid: child.pid!, stop: () => stop(child) };
}

async function waitHealthy(base: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 60_000;
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
  throw new Error('server did not become healthy within 60 s');
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
