/**
 * Mixed-request load process: groups of closed loops (bench/lib/closed-loop.ts), each group
 * sending its own requests (any method, headers, body) at random for `duration` seconds over
 * keep-alive node:http connections. Every request has a deadline (`timeoutMs`): a stalled server
 * shows up as timeouts, never as a hung bench. One JSON line: per group the latency summary of
 * successes (2xx), failures (non-2xx), timeouts, other errors, and status codes per request label.
 * Started by runRequestLoad() (loads.ts).
 */
import { Agent, request } from 'node:http';
import { closedLoops } from './closed-loop.js';
import type { GroupResult, RequestLoad, RequestSpec } from './loads.js';
import { benchInput } from './process.js';
import { latencySummary } from './stats.js';

const input = benchInput<RequestLoad>();
const url = new URL(input.base);
const loops = input.groups.reduce((n, g) => n + g.loops, 0);
const agent = new Agent({ keepAlive: true, maxSockets: loops });

class Timeout extends Error {}

function send(spec: RequestSpec): Promise<number> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { accept: 'application/fhir+json', ...spec.headers };
    if (spec.body !== undefined) headers['content-length'] = Buffer.byteLength(spec.body);
    const req = request({ host: url.hostname, port: url.port, path: spec.path, method: spec.method, agent, headers }, (res) => {
      res.resume();
      res.on('end', () => {
        clearTimeout(timer);
        resolve(res.statusCode ?? 0);
      });
      res.on('error', reject);
    });
    // The whole exchange, not just socket idleness: a server that trickles bytes still times out.
    const timer = setTimeout(() => req.destroy(new Timeout()), input.timeoutMs);
    req.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    req.end(spec.body);
  });
}

const results = await Promise.all(
  input.groups.map(async (group): Promise<GroupResult> => {
    const statuses: Record<string, Record<string, number>> = {};
    let timeouts = 0;
    const count = (label: string, status: string) => {
      const s = (statuses[label] ??= {});
      s[status] = (s[status] ?? 0) + 1;
    };
    const r = await closedLoops(group.loops, input.duration, group.requests, async (spec) => {
      try {
        const status = await send(spec);
        count(spec.label, String(status));
        return status >= 200 && status < 300;
      } catch (err) {
        if (err instanceof Timeout) timeouts++;
        count(spec.label, err instanceof Timeout ? 'timeout' : ((err as NodeJS.ErrnoException).code ?? 'error'));
        throw err;
      }
    });
    return {
      label: group.label,
      requests: r.latencies.length + r.failed + r.errors,
      rps: (r.latencies.length + r.failed + r.errors) / r.seconds,
      ...latencySummary(r.latencies),
      failed: r.failed + r.errors,
      non2xx: r.failed,
      timeouts,
      errors: r.errors - timeouts,
      statuses,
    };
  }),
);
agent.destroy();
console.log(JSON.stringify({ groups: results, cpuMs: (process.cpuUsage().user + process.cpuUsage().system) / 1000 }));
