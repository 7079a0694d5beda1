import type { IncomingMessage } from 'node:http';
import type { Context, MiddlewareHandler } from 'hono';
import type { AppEnv } from '../env.js';
import { FhirError } from '../core/errors.js';

/**
 * The request body, read once with MAX_BODY_BYTES counted as it arrives (413 as soon as a
 * Content-Length or the bytes so far say it is over), and cached where Hono's c.req.text(),
 * json() and arrayBuffer() look first, so no handler reads the stream again.
 *
 * Under @hono/node-server the bytes come straight from Node's IncomingMessage: going through
 * c.req.raw would make it build a full fetch Request with a web ReadableStream per request, about
 * a tenth of a create's server CPU (bench/results/profile.json: hono's bodyLimit, the Request
 * getters, makeTransferable). Without a Node request (app.request in tests) the fetch Request's
 * stream is read, with the same limit.
 */
export function requestBody(maxBytes: number): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    // GET and HEAD carry no body we read.
    if (c.req.method === 'GET' || c.req.method === 'HEAD') return next();
    const bytes = await readBody(c, maxBytes);
    if (bytes !== undefined) c.set('bodyBytes', bytes);
    return next();
  };
}

/** Caches the body text for Hono's c.req body readers (set once, after decoding). */
export function cacheBodyText(c: Context<AppEnv>, text: string): void {
  cacheBody(c, 'text', text);
}

/** Hono keeps promises in bodyCache, though its type names the values (hono 4.13). */
function cacheBody(c: Context<AppEnv>, key: 'text' | 'arrayBuffer', value: string | ArrayBuffer): void {
  Object.assign(c.req.bodyCache, { [key]: Promise.resolve(value) });
}

async function readBody(c: Context<AppEnv>, maxBytes: number): Promise<Uint8Array | undefined> {
  const tooLarge = () => FhirError.tooLarge(`The body exceeds the limit of ${maxBytes} bytes`);
  const length = c.req.header('content-length');
  const chunked = c.req.header('transfer-encoding') !== undefined;
  if (length !== undefined && !chunked && Number(length) > maxBytes) throw tooLarge();
  const incoming = c.env?.incoming;
  let parts: Uint8Array[];
  if (incoming !== undefined) {
    // Node says whether a body follows: a length above 0, or a chunked one.
    if (!chunked && (length === undefined || Number(length) === 0)) return undefined;
    if (incoming.readableDidRead) throw new Error('the request body was read before requestBody()');
    parts = await readIncoming(incoming, maxBytes, tooLarge);
  } else {
    const stream = c.req.raw.body;
    if (stream === null) return undefined;
    parts = await readStream(stream, maxBytes, tooLarge);
  }
  // One copy into a buffer of its own (Node's chunks may be views of a shared pool).
  const body = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let offset = 0;
  for (const part of parts) {
    body.set(part, offset);
    offset += part.byteLength;
  }
  cacheBody(c, 'arrayBuffer', body.buffer);
  return body;
}

/**
 * The chunks of a Node request, refused once over the limit. The request is left paused rather
 * than destroyed, so the 413 still reaches the client (Node discards the rest after the answer).
 */
function readIncoming(incoming: IncomingMessage, maxBytes: number, tooLarge: () => FhirError): Promise<Uint8Array[]> {
  return new Promise((resolve, reject) => {
    const parts: Uint8Array[] = [];
    let size = 0;
    const done = (err?: Error) => {
      incoming.off('data', onData).off('end', onEnd).off('error', done).off('close', onClose);
      if (err) reject(err);
      else resolve(parts);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.byteLength;
      if (size > maxBytes) {
        incoming.pause();
        done(tooLarge());
      } else {
        parts.push(chunk);
      }
    };
    const onEnd = () => done();
    // Closed before its end: the client went away mid-body (nobody reads the answer, but the
    // handler must not go on with half a body).
    const onClose = () => (incoming.readableEnded ? done() : done(FhirError.badRequest('The client closed the request before its body was complete')));
    incoming.on('data', onData).on('end', onEnd).on('error', done).on('close', onClose);
  });
}

async function readStream(stream: ReadableStream<Uint8Array>, maxBytes: number, tooLarge: () => FhirError): Promise<Uint8Array[]> {
  const reader = stream.getReader();
  const parts: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return parts;
    size += value.byteLength;
    if (size > maxBytes) throw tooLarge();
    parts.push(value);
  }
}
