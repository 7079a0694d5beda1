/**
 * Load generator process (autocannon): GETs (or POSTs of `body`) of `paths` chosen at random, `connections` keep-alive
 * connections, for `duration` seconds. Prints one JSON line: req/s and latency percentiles (ms).
 * Started by runHttpLoad(), never by hand.
 */
import autocannon from 'autocannon';
import { benchInput } from './process.js';

interface Input {
  base: string;
  paths: string[];
  connections: number;
  duration: number;
  headers?: Record<string, string>;
  /** POST this body to every path instead of GETs (e.g. a create load). */
  body?: string;
}

const input = benchInput<Input>();
const { paths } = input;
const result = await autocannon({
  url: input.base,
  connections: input.connections,
  duration: input.duration,
  headers: input.headers ?? {},
  requests: [{ method: input.body === undefined ? 'GET' : 'POST', ...(input.body === undefined ? {} : { body: input.body }), setupRequest: (req) => ({ ...req, path: paths[Math.floor(Math.random() * paths.length)]! }) }],
});
const seconds = (result.finish.getTime() - result.start.getTime()) / 1000;
console.log(JSON.stringify({
  rps: result.requests.total / seconds,
  requests: result.requests.total,
  p50: result.latency.p50,
  p90: result.latency.p90,
  p99: result.latency.p99,
  mean: result.latency.mean,
  non2xx: result.non2xx,
  errors: result.errors + result.timeouts,
  statusCodes: result.statusCodeStats ?? {},
  cpuMs: (process.cpuUsage().user + process.cpuUsage().system) / 1000,
}));
