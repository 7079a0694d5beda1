import { closeSync, mkdirSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

/*
 * One process at a time on an embedded DATA_DIR. PGlite takes no lock of its own: the FHIR server
 * and `npm run psql-server` could open one directory together, each with its own copy of the
 * database in memory, and the one that wrote last lost the other's writes (an acknowledged 201 was
 * gone after a restart). Whoever opens the embedded database (server, psql-server, db:migrate,
 * reindex) first takes this lock: a file created with O_EXCL holding the pid. A second process is
 * refused with a message naming the holder. A lock whose process is gone (killed, crashed) is
 * stale and taken over; the file goes when the process exits.
 */

export const LOCK_FILE = 'fhir-rls.lock';
/** How long a takeover guard or a lock file not yet written may stand before it counts as left over. */
const LEFT_OVER_MS = 10_000;

interface Holder {
  pid: number;
  host: string;
  /** Process start time (Linux clock ticks since boot), so a reused pid is not taken for the holder. */
  started: string | null;
  command: string;
  since: string;
}

export class DataDirLockedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DataDirLockedError';
    // The message says it all: a stack trace would only bury it on the console.
    this.stack = `${this.name}: ${message}`;
  }
}

/** Locks held by this process (re-entrant: a process may open its own directory again). */
const held = new Set<string>();

function startTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

function me(): Holder {
  const script = process.argv[1] ?? '';
  // `npm start`, `npm run psql-server`: the script's name says more than the file (not npx's "npx").
  const npm = process.env.npm_command === 'exec' ? undefined : process.env.npm_lifecycle_event;
  return {
    pid: process.pid,
    host: hostname(),
    started: startTime(process.pid),
    command: npm ? `npm run ${npm} (${script})` : `${process.argv0} ${script}`.trim(),
    since: new Date().toISOString(),
  };
}

function parse(text: string): Holder | undefined {
  try {
    const h = JSON.parse(text) as Partial<Holder>;
    return typeof h.pid === 'number' && typeof h.host === 'string' ? (h as Holder) : undefined;
  } catch {
    return undefined;
  }
}

/** Whether the holder may still run. Another host's process cannot be checked: it counts as alive. */
function alive(h: Holder): boolean {
  if (h.host !== hostname()) return true;
  if (h.pid === process.pid) return false;
  try {
    process.kill(h.pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  const now = startTime(h.pid);
  return h.started === null || now === null || now === h.started;
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

function ageMs(path: string): number {
  try {
    return Date.now() - statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}

const pause = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/**
 * Removes a stale lock, but only the one we judged: under a guard file (O_EXCL too), so two
 * processes taking over the same stale lock cannot remove the new lock one of them just made.
 */
function removeStale(path: string, judged: string): void {
  const guard = `${path}.takeover`;
  let fd: number;
  try {
    fd = openSync(guard, 'wx');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    if (ageMs(guard) > LEFT_OVER_MS) unlinkSync(guard);
    else pause(50);
    return;
  }
  try {
    if (readText(path) === judged) unlinkSync(path);
  } finally {
    closeSync(fd);
    unlinkSync(guard);
  }
}

function describe(dir: string, h: Holder | undefined, path: string): string {
  const who = h === undefined ? 'another process (its lock file is not written yet)'
    : `pid ${h.pid} on ${h.host}: ${h.command}, since ${h.since}`;
  return `DATA_DIR ${dir} is in use by ${who}. The embedded database takes one process at a time: ` +
    `stop that one first (or set DATABASE_URL to use PostgreSQL). If no such process runs, delete ${path}.`;
}

/**
 * Takes the lock of an embedded data directory (created if missing) for this process, until it
 * exits. Throws DataDirLockedError naming the holder when another live process has it.
 */
export function lockDataDir(dir: string): void {
  const path = join(dir, LOCK_FILE);
  if (held.has(path)) return;
  mkdirSync(dir, { recursive: true });
  const mine = JSON.stringify(me());
  for (let attempt = 0; attempt < 20; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o644);
      try {
        writeSync(fd, mine);
      } finally {
        closeSync(fd);
      }
      held.add(path);
      process.once('exit', () => {
        if (readText(path) === mine) unlinkSync(path);
      });
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const text = readText(path);
    if (text === undefined) continue;
    const holder = parse(text);
    if (holder === undefined ? ageMs(path) < LEFT_OVER_MS : alive(holder)) throw new DataDirLockedError(describe(dir, holder, path));
    removeStale(path, text);
  }
  throw new DataDirLockedError(`Could not take the lock ${path}: other processes keep taking it`);
}
