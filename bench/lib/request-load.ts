/**
 * Mixed-request load process: groups of closed loops (bench/lib/closed-loop.ts), each group
 * sending its own requests (any method, headers, body) at random for `duration` seconds over
 * keep-alive node:http connections. Every request has a deadline (`timeoutMs`): a stalled server
 * shows up as timeouts, never as a hung bench; a `cutAtEnd` group's requests still running when
 * the load ends are cut then (a noisy load need not outlive the measured one). One JSON line: per group the latency summary of
 * successes (2xx) and of all answered requests (a timeout counted at its deadline), failures (non-2xx), timeouts, other errors, and status codes per request label.
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
/** A request of a `cutAtEnd` group still running when the load ends: neither a success nor a failure. */
class Cut extends Error {}

function send(spec: RequestSpec, inFlight?: Set<(err: Error) => void>): Promise<number> {
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
    const cut = (err: Error) => req.destroy(err);
    inFlight?.add(cut);
    req.on('close', () => inFlight?.delete(cut));
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
    let cuts = 0;
    const inFlight = group.cutAtEnd ? new Set<(err: Error) => void>() : undefined;
    const end = inFlight && setTimeout(() => inFlight.forEach((cut) => cut(new Cut())), input.duration * 1000 + 50); // just past the loops' own deadline
    const count = (label: string, status: string) => {
      const s = (statuses[label] ??= {});
      s[status] = (s[status] ?? 0) + 1;
    };
    const elapsed: number[] = [];
    const r = await closedLoops(group.loops, input.duration, group.requests, async (spec) => {
      const t0 = performance.now();
      try {
        const status = await send(spec, inFlight);
        count(spec.label, String(status));
        elapsed.push(performance.now() - t0);
        return status >= 200 && status < 300;
      } catch (err) {
        if (err instanceof Timeout) timeouts++;
        if (err instanceof Cut) cuts++;
        else elapsed.push(performance.now() - t0);
        count(spec.label, err instanceof Timeout ? 'timeout' : err instanceof Cut ? 'cut at end' : ((err as NodeJS.ErrnoException).code ?? 'error'));
        throw err;
      }
    });
    clearTimeout(end);
    const answered = r.latencies.length + r.failed + r.errors - cuts;
    return {
      label: group.label,
      requests: answered,
      rps: answered / r.seconds,
      ...latencySummary(r.latencies),
      all: latencySummary(elapsed),
      failed: r.failed + r.errors - cuts,
      non2xx: r.failed,
      timeouts,
      errors: r.errors - timeouts - cuts,
      cutAtEnd: cuts,
      statuses,
    };
  }),
);
agent.destroy();
console.log(JSON.stringify({ groups: results, cpuMs: (process.cpuUsage().user + process.cpuUsage().system) / 1000 }));
