import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A throwaway PostgreSQL 15 cluster in a temp dir on its own port (as user postgres when run as root). */
export interface Cluster {
  /** Superuser URL of the `postgres` database. */
  url: string;
  port: number;
  dir: string;
  /** Superuser URL of another database of the cluster. */
  urlFor(database: string): string;
  stop(): void;
}

const BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';

function asPostgres(cmd: string, args: string[]): void {
  const root = process.getuid?.() === 0;
  const r = root ? spawnSync('runuser', ['-u', 'postgres', '--', cmd, ...args], { stdio: 'pipe' }) : spawnSync(cmd, args, { stdio: 'pipe' });
  if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stderr?.toString()}`);
}

/** Says how to get PostgreSQL 15 when its binaries are missing (the bench installs nothing itself). */
export function assertPostgresInstalled(): void {
  const r = spawnSync(join(BIN, 'initdb'), ['--version'], { stdio: 'pipe' });
  if (r.status !== 0) {
    throw new Error(`PostgreSQL 15 binaries not found in ${BIN}: apt-get install -y postgresql-15 (or set PG_BIN)`);
  }
}

/** BENCH_PG_SETTINGS="name=value;name=value": more server settings, for diagnosis. */
function extraSettings(): string[] {
  return (process.env.BENCH_PG_SETTINGS ?? '').split(';').map((x) => x.trim()).filter(Boolean);
}

export function startCluster(port: number, settings: string[] = []): Cluster {
  assertPostgresInstalled();
  const dir = mkdtempSync(join(tmpdir(), 'fhir-bench-pg-'));
  if (process.getuid?.() === 0) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    chownSync(dir, uid, uid);
  }
  asPostgres(join(BIN, 'initdb'), ['-D', dir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C.UTF-8']);
  const opts = [`-p ${port}`, `-k ${dir}`, '-c listen_addresses=127.0.0.1', '-c max_connections=300', ...[...settings, ...extraSettings()].map((s) => `-c ${s}`)].join(' ');
  asPostgres(join(BIN, 'pg_ctl'), ['-D', dir, '-w', '-l', join(dir, 'server.log'), '-o', opts, 'start']);
  const urlFor = (database: string) => `postgres://postgres@127.0.0.1:${port}/${database}`;
  return {
    url: urlFor('postgres'),
    port,
    dir,
    urlFor,
    stop() {
      try {
        asPostgres(join(BIN, 'pg_ctl'), ['-D', dir, '-m', 'fast', 'stop']);
        // BENCH_PG_LOG=<file>: keep the server log (e.g. with auto_explain in BENCH_PG_SETTINGS).
        if (process.env.BENCH_PG_LOG) copyFileSync(join(dir, 'server.log'), process.env.BENCH_PG_LOG);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
