import type { TestServer } from '../../helpers/app.js';

/** One HTTP request of a randomized suite, kept as data so a failure can be printed and replayed. */
export interface Attempt {
  /** Which generator made it (for the report). */
  family: string;
  method: string;
  /** Path and query on the test origin, starting with '/'. */
  path: string;
  /** In order; a name may repeat (duplicate headers). */
  headers: [string, string][];
  body?: string | Uint8Array;
}

export interface Answer {
  status: number;
  headers: [string, string][];
  body: string;
  ms: number;
}

export class Timeout extends Error {}

/** Sends through app.request; a request that takes longer than `timeoutMs` is a hang. */
export async function send(s: TestServer, a: Attempt, timeoutMs = 10_000): Promise<Answer> {
  const headers = new Headers();
  for (const [k, v] of a.headers) headers.append(k, v);
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Timeout(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    const res = await Promise.race([
      s.request(a.path, { method: a.method, headers, body: a.body as BodyInit | undefined }),
      hang,
    ]);
    const body = await Promise.race([res.text(), hang]);
    return { status: res.status, headers: [...res.headers.entries()], body, ms: performance.now() - started };
  } finally {
    clearTimeout(timer);
  }
}

/** A printable form of an attempt, short enough for a test report. */
export function describeAttempt(a: Attempt, max = 600): string {
  const body = a.body === undefined ? '' : typeof a.body === 'string' ? a.body : `<${a.body.length} bytes>`;
  const clip = (s: string) => (s.length > max ? `${s.slice(0, max)}…(${s.length} chars)` : s);
  return `[${a.family}] ${a.method} ${clip(a.path)} ${JSON.stringify(a.headers.map(([k, v]) => [k, v.length > 80 ? `${v.slice(0, 80)}…` : v]))} ${clip(body)}`;
}

/** The text of a request that the server could legitimately echo back: URL (raw and decoded), header values, body. */
export function requestText(a: Attempt): string {
  let decoded = a.path;
  try {
    decoded = decodeURIComponent(a.path.replace(/\+/g, ' '));
  } catch {
    // Malformed escapes: the raw form is all there is.
  }
  const body = a.body === undefined ? '' : typeof a.body === 'string' ? a.body : Buffer.from(a.body).toString('utf8');
  return [a.path, decoded, ...a.headers.map(([, v]) => v), body].join('\n');
}
