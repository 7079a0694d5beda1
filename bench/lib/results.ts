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
  /** The figures behind a ratio (e.g. `2,896 vs 10,012 req/s`), printed next to it. */
  detail?: string;
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

const fmt = (t: Target) => `${t.measured.toLocaleString('en')}${t.unit === 'x' ? '×' : ` ${t.unit}`}${t.detail ? ` (${t.detail})` : ''}`;

export function printTargets(targets: TargetResult[]): void {
  console.table(targets.map((t) => ({ measure: t.description, now: fmt(t), target: `${t.op} ${t.threshold}${t.unit === 'x' ? '×' : ` ${t.unit}`}`, 'met?': t.met ? 'met' : 'MISSED' })));
}

/** Issue 15's targets, in its table's order; a row without an id is measured by no benchmark here. */
export const ISSUE_TARGETS: { id?: string; measure: string; target: string }[] = [
  { id: 'crud-50-rps', measure: 'CRUD mix, 50 clients: throughput', target: '>= 1,300 req/s' },
  { id: 'crud-50-p99', measure: 'CRUD mix, 50 clients: p99', target: '<= 100 ms' },
  { id: 'read-vs-peer', measure: 'read by id vs Medplum fhir-router in memory, same run', target: '>= 0.6×' },
  { id: 'create-vs-peer', measure: 'create vs Medplum fhir-router in memory, same run', target: '>= 0.25×' },
  { id: 'ingest-postgres', measure: 'Synthea transaction ingest, 1 client', target: '>= 3,000 res/s' },
  { id: 'import-ndjson', measure: 'bulk NDJSON import into one tenant', target: '>= 10,000 res/s' },
  { id: 'search-100k-p50', measure: 'search p50 at 100,000 resources in the tenant', target: '<= 20 ms' },
  { id: 'crud-50-server-cpu', measure: 'CPU per CRUD request, server process', target: '<= 0.6 ms' },
];

/** The issue's table (measure | now | target | met?) from this run's targets, then any others measured. */
export function printIssueTable(targets: TargetResult[]): void {
  const byId = new Map(targets.map((t) => [t.id, t]));
  console.table(
    ISSUE_TARGETS.map(({ id, measure, target }) => {
      const t = id === undefined ? undefined : byId.get(id);
      return { measure, now: t ? fmt(t) : 'not measured by this run', target, 'met?': t ? (t.met ? 'met' : 'MISSED') : '—' };
    }),
  );
  const others = targets.filter((t) => !ISSUE_TARGETS.some((i) => i.id === t.id));
  if (others.length > 0) {
    console.log('other targets (issues 7 and 12):');
    printTargets(others);
  }
}

export function readSummary(): TargetResult[] {
  const file = new URL('summary.json', DIR);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { targets: TargetResult[] }).targets : [];
}
