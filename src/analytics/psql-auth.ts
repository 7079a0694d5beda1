import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Socket } from 'node:net';

/*
 * The start of a PostgreSQL connection, up to a checked password, for `npm run psql-server`.
 * PGlite answers a StartupMessage with AuthenticationOk whatever the password (pglite-socket has
 * no authentication hook), so the psql server runs this exchange itself in front of it: SSL and
 * GSS encryption requests are declined ('N'), then SCRAM-SHA-256 (RFC 5802, RFC 7677; what
 * PostgreSQL itself asks for, supported by libpq/psql and postgres.js; the password never
 * crosses the wire). Only a connection that passes is handed to PGlite, with its StartupMessage.
 */

const PROTOCOL_3 = 196608;
const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;
const MECHANISM = 'SCRAM-SHA-256';
const ITERATIONS = 4096;
/** Longest packet accepted before authentication: a StartupMessage or a SASL message is small. */
const MAX_PACKET = 10_000;

export interface ScramSecret {
  salt: Buffer;
  storedKey: Buffer;
  serverKey: Buffer;
}

const hmac = (key: Buffer, text: string) => createHmac('sha256', key).update(text).digest();

/** What PostgreSQL keeps of a password for SCRAM: the password itself is not needed afterwards. */
export function scramSecret(password: string): ScramSecret {
  const salt = randomBytes(16);
  const salted = pbkdf2Sync(password, salt, ITERATIONS, 32, 'sha256');
  return { salt, storedKey: createHash('sha256').update(hmac(salted, 'Client Key')).digest(), serverKey: hmac(salted, 'Server Key') };
}

export class AuthFailed extends Error {}

/** Reads length-prefixed packets off a socket that is not yet piped anywhere. */
class PacketReader {
  private buffer = Buffer.alloc(0);
  private wake: (() => void) | undefined;
  private ended = false;

  constructor(private readonly socket: Socket) {
    socket.on('data', this.onData);
    socket.on('end', this.onEnd);
    socket.on('close', this.onEnd);
  }

  private onData = (chunk: Buffer) => {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    this.wake?.();
  };

  private onEnd = () => {
    this.ended = true;
    this.wake?.();
  };

  private async need(n: number): Promise<void> {
    while (this.buffer.length < n) {
      if (this.ended) throw new AuthFailed('the client closed the connection');
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = undefined;
    }
  }

  private take(n: number): Buffer {
    const out = this.buffer.subarray(0, n);
    this.buffer = this.buffer.subarray(n);
    return out;
  }

  /** A packet without a type byte (the start of a connection): the whole packet, length included. */
  async untyped(): Promise<Buffer> {
    await this.need(4);
    const length = this.buffer.readInt32BE(0);
    if (length < 8 || length > MAX_PACKET) throw new AuthFailed('invalid startup packet length');
    await this.need(length);
    return this.take(length);
  }

  /** A typed message: its type and body. */
  async typed(): Promise<{ type: string; body: Buffer }> {
    await this.need(5);
    const length = this.buffer.readInt32BE(1);
    if (length < 4 || length > MAX_PACKET) throw new AuthFailed('invalid message length');
    await this.need(1 + length);
    const message = this.take(1 + length);
    return { type: String.fromCharCode(message[0]!), body: message.subarray(5) };
  }

  /** Stops reading (the socket is paused: nothing is lost before the next reader); whatever arrived beyond the last packet is handed back. */
  detach(): Buffer {
    this.socket.pause();
    this.socket.off('data', this.onData);
    this.socket.off('end', this.onEnd);
    this.socket.off('close', this.onEnd);
    return this.buffer;
  }
}

function message(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.write(type, 0, 'latin1');
  head.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}

function authentication(code: number, data: Buffer = Buffer.alloc(0)): Buffer {
  const body = Buffer.alloc(4);
  body.writeInt32BE(code, 0);
  return message('R', Buffer.concat([body, data]));
}

/** A FATAL ErrorResponse, as PostgreSQL sends it before closing the connection. */
export function fatal(code: string, text: string): Buffer {
  const fields = [['S', 'FATAL'], ['V', 'FATAL'], ['C', code], ['M', text]].map(([k, v]) => `${k}${v}\0`).join('');
  return message('E', Buffer.from(`${fields}\0`, 'utf8'));
}

function startupParameters(packet: Buffer): Record<string, string> {
  const parts = packet.subarray(8).toString('utf8').split('\0');
  const params: Record<string, string> = {};
  for (let i = 0; i + 1 < parts.length && parts[i] !== ''; i += 2) params[parts[i]!] = parts[i + 1]!;
  return params;
}

/** RFC 5802 attributes: "n=...,r=..." → { n, r }. */
function attributes(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of text.split(',')) {
    const eq = part.indexOf('=');
    if (eq === 1) out[part[0]!] = part.slice(2);
  }
  return out;
}

async function scram(reader: PacketReader, socket: Socket, secret: ScramSecret): Promise<void> {
  socket.write(authentication(10, Buffer.from(`${MECHANISM}\0\0`, 'latin1')));
  const first = await reader.typed();
  if (first.type !== 'p') throw new AuthFailed('expected a SASLInitialResponse');
  const nul = first.body.indexOf(0);
  if (nul < 0 || first.body.subarray(0, nul).toString('latin1') !== MECHANISM) throw new AuthFailed(`only ${MECHANISM} is offered`);
  const clientFirst = first.body.subarray(nul + 5).toString('utf8');
  // GS2 header: "n,," (no channel binding) or "y,," (the client could, but we offer none).
  const gs2 = /^([ny]),[^,]*,/.exec(clientFirst);
  if (gs2 === null) throw new AuthFailed('channel binding is not offered');
  const clientFirstBare = clientFirst.slice(gs2[0].length);
  const clientNonce = attributes(clientFirstBare).r;
  if (!clientNonce) throw new AuthFailed('no client nonce');
  const nonce = clientNonce + randomBytes(18).toString('base64');
  const serverFirst = `r=${nonce},s=${secret.salt.toString('base64')},i=${ITERATIONS}`;
  socket.write(authentication(11, Buffer.from(serverFirst, 'utf8')));

  const final = await reader.typed();
  if (final.type !== 'p') throw new AuthFailed('expected a SASLResponse');
  const clientFinal = final.body.toString('utf8');
  const proofAt = clientFinal.lastIndexOf(',p=');
  const withoutProof = clientFinal.slice(0, Math.max(proofAt, 0));
  const attrs = attributes(withoutProof);
  if (proofAt < 0 || attrs.r !== nonce || attrs.c !== Buffer.from(gs2[0], 'utf8').toString('base64')) throw new AuthFailed('bad SCRAM final message');
  const proof = Buffer.from(clientFinal.slice(proofAt + 3), 'base64');
  const authMessage = `${clientFirstBare},${serverFirst},${withoutProof}`;
  const signature = hmac(secret.storedKey, authMessage);
  if (proof.length !== signature.length) throw new AuthFailed('password authentication failed');
  const clientKey = Buffer.from(proof.map((b, i) => b ^ signature[i]!));
  if (!timingSafeEqual(createHash('sha256').update(clientKey).digest(), secret.storedKey)) throw new AuthFailed('password authentication failed');
  socket.write(authentication(12, Buffer.from(`v=${hmac(secret.serverKey, authMessage).toString('base64')}`, 'utf8')));
}

export interface Authenticated {
  /** The client's StartupMessage, to hand to PGlite, which answers it (AuthenticationOk, ...). */
  startup: Buffer;
  /** Bytes the client sent after the exchange (none, with the usual clients). */
  rest: Buffer;
}

/**
 * Runs the start of a connection up to a checked password. Throws AuthFailed (after telling the
 * client, as PostgreSQL does) on a wrong or missing password or anything unexpected; undefined
 * for a CancelRequest, which PGlite cannot act on.
 */
export async function authenticate(socket: Socket, secret: ScramSecret): Promise<Authenticated | undefined> {
  const reader = new PacketReader(socket);
  let user = '';
  try {
    for (;;) {
      const packet = await reader.untyped();
      const code = packet.readInt32BE(4);
      if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
        socket.write('N');
        continue;
      }
      if (code === CANCEL_REQUEST) {
        reader.detach();
        return undefined;
      }
      if (code !== PROTOCOL_3) throw new AuthFailed('unsupported frontend protocol');
      user = startupParameters(packet).user ?? '';
      await scram(reader, socket, secret);
      return { startup: packet, rest: reader.detach() };
    }
  } catch (err) {
    reader.detach();
    if (err instanceof AuthFailed && socket.writable) {
      // One message whatever went wrong, as PostgreSQL: a prober learns nothing from it.
      socket.end(fatal('28P01', `password authentication failed for user "${user.slice(0, 63)}"`));
    }
    throw err;
  }
}
