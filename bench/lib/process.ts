import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (bench/lib/../..): every child process runs from it. */
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** A free TCP port on the loopback interface. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** `node [flags] --import tsx <script>` from the repository root (or another checkout's, `cwd`). */
export function spawnTsx(script: string, env: Record<string, string>, nodeFlags: string[] = [], stdout: 'pipe' | 'inherit' = 'pipe', cwd = ROOT): ChildProcess {
  return spawn(process.execPath, [...nodeFlags, '--import', 'tsx', script], {
    cwd,
    env: { ...process.env, ...env },
    stdio: ['ignore', stdout, 'inherit'],
  });
}

/**
 * Runs a load script in its own process (the load generator never shares a process with what it
 * measures) and parses the JSON it prints on its last line.
 */
export async function runJson<T>(script: string, input: unknown): Promise<T> {
  // The input (thousands of paths) goes through a file: an environment variable is capped at 128 KiB.
  const dir = mkdtempSync(join(tmpdir(), 'fhir-bench-input-'));
  const file = join(dir, 'input.json');
  writeFileSync(file, JSON.stringify(input));
  const child = spawnTsx(script, { BENCH_INPUT_FILE: file });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  rmSync(dir, { recursive: true, force: true });
  if (code !== 0) throw new Error(`${script} exited with ${code}: ${out.slice(-2000)}`);
  const last = out.trim().split('\n').pop() ?? '';
  return JSON.parse(last) as T;
}

/** The JSON input a load script was started with (see runJson). */
export function benchInput<T>(): T {
  const file = process.env.BENCH_INPUT_FILE;
  if (file === undefined) throw new Error('BENCH_INPUT_FILE is not set: this script is started by the bench runner');
  return JSON.parse(readFileSync(file, 'utf8')) as T;
}
