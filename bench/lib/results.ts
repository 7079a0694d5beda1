import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';

const DIR = new URL('../results/', import.meta.url);

/** One target of issue 7, as measured in this run. */
export interface Target {
  id: string;
  benchmark: string;
  description: string;
  op: '>=' | '<=';
  threshold: number;
  measured: number;
  unit: string;
}

export interface TargetResult extends Target {
  met: boolean;
}

export function judge(t: Target): TargetResult {
  return { ...t, met: t.op === '>=' ? t.measured >= t.threshold : t.measured <= t.threshold };
}

function machine() {
  return { cpus: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', node: process.version };
}

/** Writes bench/results/<name>.json. */
export function writeResult(name: string, data: Record<string, unknown>): void {
  mkdirSync(DIR, { recursive: true });
  const out = { benchmark: name, date: new Date().toISOString(), machine: machine(), ...data };
  writeFileSync(new URL(`${name}.json`, DIR), `${JSON.stringify(out, null, 2)}\n`);
  console.log(`wrote bench/results/${name}.json`);
}

/** Merges targets into bench/results/summary.json (by id), so a single bench:<name> updates its own rows. */
export function recordTargets(targets: Target[]): TargetResult[] {
  const file = new URL('summary.json', DIR);
  const prev = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { targets: TargetResult[] }).targets : [];
  const judged = targets.map(judge);
  const byId = new Map(prev.map((t) => [t.id, t]));
  for (const t of judged) byId.set(t.id, { ...t, date: new Date().toISOString() } as TargetResult);
  const all = [...byId.values()];
  mkdirSync(DIR, { recursive: true });
  writeFileSync(file, `${JSON.stringify({ date: new Date().toISOString(), machine: machine(), targets: all }, null, 2)}\n`);
  printTargets(judged);
  return judged;
}

export function printTargets(targets: TargetResult[]): void {
  console.table(
    targets.map((t) => ({
      target: t.description,
      goal: `${t.op} ${t.threshold} ${t.unit}`,
      measured: `${t.measured} ${t.unit}`,
      result: t.met ? 'met' : 'MISSED',
    })),
  );
}

export function readSummary(): TargetResult[] {
  const file = new URL('summary.json', DIR);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { targets: TargetResult[] }).targets : [];
}
