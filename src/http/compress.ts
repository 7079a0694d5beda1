import type { MiddlewareHandler } from 'hono';
import type { Transform } from 'node:stream';
import { constants, createBrotliCompress, createGzip } from 'node:zlib';
import type { AppEnv } from '../env.js';

/** Below this a compressed body saves less than the work costs (and than a TCP packet). */
export const COMPRESS_THRESHOLD = 1024;

const COMPRESSIBLE = /^(?:text\/|application\/(?:[a-z0-9.+-]*\+)?(?:json|ndjson|x-ndjson|xml))/i;
const NO_TRANSFORM = /(?:^|,)\s*no-transform\s*(?:,|$)/i;

type Encoding = 'br' | 'gzip';

/** The best of br and gzip that Accept-Encoding allows (q > 0), br on a tie; undefined: none. */
export function chooseEncoding(header: string | undefined): Encoding | undefined {
  if (!header) return undefined;
  const q = new Map<string, number>();
  for (const part of header.split(',')) {
    const [name = '', ...params] = part.trim().toLowerCase().split(';');
    const qParam = params.map((p) => /^\s*q\s*=\s*([0-9.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
    q.set(name.trim(), qParam === undefined ? 1 : Number(qParam));
  }
  const of = (name: Encoding) => q.get(name) ?? q.get('*') ?? 0;
  const br = of('br');
  const gzip = of('gzip');
  if (br > 0 && br >= gzip) return 'br';
  return gzip > 0 ? 'gzip' : undefined;
}

// Flushed after every chunk so a streamed response (the admin NDJSON export) reaches the client
// as it is produced, not when the compressor's buffer fills. Brotli at quality 4, not the default
// 11 (tens of times the CPU): on a 219 KB Synthea searchset it gave 13.5 KB against gzip's 14.8 KB
// (level 6; level 3 gave 17.1 KB) at less CPU than gzip 6, and clients that send br prefer it.
function compressor(encoding: Encoding): TransformStream<Uint8Array, Uint8Array> {
  const z: Transform = encoding === 'br'
    ? createBrotliCompress({ flush: constants.BROTLI_OPERATION_FLUSH, params: { [constants.BROTLI_PARAM_QUALITY]: 4 } })
    : createGzip({ flush: constants.Z_SYNC_FLUSH });
  return new TransformStream<Uint8Array, Uint8Array>({
    start(controller) {
      z.on('data', (chunk: Buffer) => controller.enqueue(chunk));
      z.on('error', (err) => controller.error(err));
    },
    transform: (chunk) => new Promise((resolve, reject) => z.write(chunk, (err) => (err ? reject(err) : resolve()))),
    // 'end': after the last compressed bytes went out through 'data'.
    flush: () => new Promise((resolve) => {
      z.once('end', resolve);
      z.end();
    }),
  });
}

/** The body's first `min` bytes (or all of it, when shorter), and the reader of the rest. */
async function peek(body: ReadableStream<Uint8Array>, min: number) {
  const reader = body.getReader();
  const head: Uint8Array[] = [];
  let size = 0;
  while (size < min) {
    const { done, value } = await reader.read();
    if (done) return { head, size, done: true, reader };
    head.push(value);
    size += value.byteLength;
  }
  return { head, size, done: false, reader };
}

function replay(head: Uint8Array[], reader: ReadableStreamDefaultReader<Uint8Array>): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of head) controller.enqueue(chunk);
    },
    async pull(controller) {
      const { done, value } = await reader.read();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    cancel: (reason) => reader.cancel(reason),
  });
}

/**
 * gzip or br for text responses of at least COMPRESS_THRESHOLD bytes when Accept-Encoding allows
 * (200 Synthea Observations: 219 KB, 14.8 KB gzip, 13.6 KB br; README, HTTP conventions). Streamed
 * bodies stay streamed. Clients that do not ask pay nothing.
 */
export function compress(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    await next();
    // No encoding wanted: the response is not touched, not even for Vary. A cache may then keep
    // the plain form for everyone, which every client accepts; a compressed one carries Vary.
    const encoding = chooseEncoding(c.req.header('accept-encoding'));
    if (encoding === undefined || c.req.method === 'HEAD') return;
    const res = c.res;
    const type = res.headers.get('content-type') ?? '';
    if (!COMPRESSIBLE.test(type) || res.headers.has('content-encoding') || NO_TRANSFORM.test(res.headers.get('cache-control') ?? '')) return;
    res.headers.append('Vary', 'Accept-Encoding');
    if (res.body === null) return;
    const length = res.headers.get('content-length');
    if (length !== null && Number(length) < COMPRESS_THRESHOLD) return;
    const { head, size, done, reader } = await peek(res.body, COMPRESS_THRESHOLD);
    if (done && size < COMPRESS_THRESHOLD) {
      c.res = new Response(Buffer.concat(head), res);
      return;
    }
    const body = replay(head, reader).pipeThrough(compressor(encoding));
    c.res = new Response(body, res);
    c.res.headers.delete('content-length');
    c.res.headers.set('Content-Encoding', encoding);
  };
}
