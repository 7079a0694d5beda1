/**
 * Latency load process: `connections` keep-alive node:http clients, each GETting `paths` at random
 * one request at a time for `duration` seconds, timed with performance.now() (autocannon's
 * histogram rounds to whole milliseconds, too coarse for a 2 ms search). One JSON line, like
 * http-load.ts. Started by runLatencyLoad().
 */
import { Agent, request } from 'node:http';
import type { HttpLoad } from './loads.js';
import { benchInput } from './process.js';
import { closedLoops } from './closed-loop.js';
import { latencySummary } from './stats.js';

const input = benchInput<HttpLoad>();
const url = new URL(input.base);
const agent = new Agent({ keepAlive: true, maxSockets: input.connections });

function get(path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path, agent, headers: { accept: 'application/fhir+json', ...input.headers } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

const { latencies, failed: non2xx, errors, seconds } = await closedLoops(input.connections, input.duration, input.paths, async (path) => {
  const status = await get(path);
  return status >= 200 && status < 300;
});
agent.destroy();
console.log(JSON.stringify({
  rps: (latencies.length + non2xx) / seconds,
  requests: latencies.length + non2xx,
  ...latencySummary(latencies),
  non2xx,
  errors,
  cpuMs: (process.cpuUsage().user + process.cpuUsage().system) / 1000,
}));
