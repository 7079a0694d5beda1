/**
 * CRUD-mix load process: `concurrency` clients, each looping the iteration of HealthSamurai's
 * fhir-server-performance-benchmark crud scenario (create 9 linked resources, read each, update
 * each, delete each in reverse order) plus one search by patient, for `duration` seconds.
 * Per iteration: 9 create, 9 read, 9 update, 1 search, 9 delete = 37 requests. Keep-alive
 * node:http (one socket per client). Prints one JSON line. Started by runCrudLoad().
 */
import { Agent, request } from 'node:http';
import { CRUD_TYPES, change, seed, type Refs } from './crud-seeds.js';
import { benchInput } from './process.js';
import { latencySummary } from './stats.js';

export interface CrudInput {
  base: string;
  tenant: string;
  concurrency: number;
  duration: number;
}

type Op = 'create' | 'read' | 'update' | 'search' | 'delete';

const input = benchInput<CrudInput>();
const url = new URL(input.base);
const agent = new Agent({ keepAlive: true, maxSockets: input.concurrency });
const prefix = `/tenants/${input.tenant}/fhir`;
const latencies: Record<Op, number[]> = { create: [], read: [], update: [], search: [], delete: [] };
const failures: Record<string, number> = {};

function call(method: string, path: string, body?: unknown): Promise<{ status: number; text: string; ms: number }> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        method,
        path: prefix + path,
        agent,
        headers: {
          accept: 'application/fhir+json',
          ...(payload ? { 'content-type': 'application/fhir+json', 'content-length': Buffer.byteLength(payload), prefer: 'return=representation' } : {}),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text, ms: performance.now() - t0 }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** One request of the iteration; false (and counted) when it does not answer as expected. */
async function step(op: Op, method: string, path: string, ok: number[], body?: unknown): Promise<string | undefined> {
  const fail = (what: string, detail: string) => {
    const key = `${op} ${path.split('/')[1]?.split('?')[0]} ${what}`;
    failures[key] = (failures[key] ?? 0) + 1;
    if (failures[key] === 1) console.error(`${key}: ${detail.slice(0, 400)}`);
    return undefined;
  };
  let r: Awaited<ReturnType<typeof call>>;
  try {
    r = await call(method, path, body);
  } catch (err) {
    // A dropped connection fails this iteration and is counted; the run goes on.
    return fail((err as NodeJS.ErrnoException).code ?? 'error', String(err));
  }
  if (!ok.includes(r.status)) return fail(String(r.status), r.text);
  latencies[op].push(r.ms);
  return r.text;
}

async function iteration(): Promise<boolean> {
  const refs: Refs = {};
  const stored: Record<string, Record<string, unknown>> = {};
  for (const type of CRUD_TYPES) {
    const text = await step('create', 'POST', `/${type}`, [201], seed(type, refs));
    if (text === undefined) return false;
    stored[type] = JSON.parse(text) as Record<string, unknown>;
    refs[type] = stored[type].id as string;
  }
  for (const type of CRUD_TYPES) if ((await step('read', 'GET', `/${type}/${refs[type]}`, [200])) === undefined) return false;
  for (const type of CRUD_TYPES) if ((await step('update', 'PUT', `/${type}/${refs[type]}`, [200], change(stored[type]!))) === undefined) return false;
  if ((await step('search', 'GET', `/Observation?subject=Patient/${refs.Patient}`, [200])) === undefined) return false;
  for (const type of [...CRUD_TYPES].reverse()) if ((await step('delete', 'DELETE', `/${type}/${refs[type]}`, [200, 204])) === undefined) return false;
  return true;
}

let iterations = 0;
const started = performance.now();
const deadline = started + input.duration * 1000;
await Promise.all(
  Array.from({ length: input.concurrency }, async () => {
    while (performance.now() < deadline) if (await iteration()) iterations++;
  }),
);
const seconds = (performance.now() - started) / 1000;
agent.destroy();
const all = Object.values(latencies).flat();
const failed = Object.values(failures).reduce((a, b) => a + b, 0);
console.log(JSON.stringify({
  rps: (all.length + failed) / seconds,
  requests: all.length,
  iterations,
  ...latencySummary(all),
  ops: Object.fromEntries(Object.entries(latencies).map(([op, xs]) => [op, latencySummary(xs)])),
  non2xx: failed,
  errors: 0,
  failures,
  cpuMs: (process.cpuUsage().user + process.cpuUsage().system) / 1000,
}));
