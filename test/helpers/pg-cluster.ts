import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A PostgreSQL 15 cluster of a test's own, which it may stop and start (fault tests). */
export interface OwnCluster {
  url: string;
  port: number;
  start(): void;
  stop(mode?: 'fast' | 'immediate'): void;
  destroy(): void;
}

export const PG_BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';
export const canStartClusters = () => existsSync(join(PG_BIN, 'initdb'));

function asPostgres(cmd: string, args: string[]): void {
  const root = process.getuid?.() === 0;
  const r = root ? spawnSync('runuser', ['-u', 'postgres', '--', cmd, ...args], { stdio: 'pipe' }) : spawnSync(cmd, args, { stdio: 'pipe' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr?.toString()}`);
}

/** The superuser's password of a cluster made with `passwords: true`. */
export const CLUSTER_PASSWORD = 'cluster-superuser';

/**
 * `passwords`: TCP logins (every URL here) must give their password (scram-sha-256), so a test can
 * give a wrong one; by default any password is accepted (trust).
 */
export function ownCluster(port: number, { passwords = false } = {}): OwnCluster {
  const dir = mkdtempSync(join(tmpdir(), 'fhir-test-pg-'));
  const uid = process.getuid?.() === 0 ? Number(execFileSync('id', ['-u', 'postgres']).toString().trim()) : undefined;
  if (uid !== undefined) chownSync(dir, uid, uid);
  const auth = ['--auth=trust'];
  if (passwords) {
    const file = join(dir, 'pwfile');
    writeFileSync(file, CLUSTER_PASSWORD);
    if (uid !== undefined) chownSync(file, uid, uid);
    auth.push('--auth-host=scram-sha-256', `--pwfile=${file}`);
  }
  const data = join(dir, 'data');
  asPostgres(join(PG_BIN, 'initdb'), ['-D', data, '-U', 'postgres', ...auth, '-E', 'UTF8', '--locale=C.UTF-8']);
  const opts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c max_connections=200`;
  const cluster: OwnCluster = {
    url: `postgres://postgres${passwords ? `:${CLUSTER_PASSWORD}` : ''}@127.0.0.1:${port}/postgres`,
    port,
    start: () => asPostgres(join(PG_BIN, 'pg_ctl'), ['-D', data, '-w', '-l', join(dir, 'server.log'), '-o', opts, 'start']),
    stop: (mode = 'fast') => asPostgres(join(PG_BIN, 'pg_ctl'), ['-D', data, '-w', '-m', mode, 'stop']),
    destroy: () => {
      try {
        cluster.stop('immediate');
      } catch {
        // already stopped
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  cluster.start();
  return cluster;
}
