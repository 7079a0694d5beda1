import type { ChildProcess } from 'node:child_process';
import { freePort, spawnTsx } from './process.js';

/** The same-run peer (bench/peer/medplum-server.ts) in its own process. */
export interface PeerProcess {
  base: string;
  pid: number;
  stop(): Promise<void>;
}

export async function startPeer(): Promise<PeerProcess> {
  const port = await freePort();
  const child = spawnTsx('bench/peer/medplum-server.ts', { PORT: String(port), NODE_ENV: 'production' });
  child.stdout!.resume();
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`medplum peer exited with ${child.exitCode}`);
    try {
      if ((await fetch(`${base}/healthz`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error('medplum peer did not listen within 60 s');
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { base, pid: child.pid!, stop: () => stop(child) };
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
