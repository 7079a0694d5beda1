import type { Context } from 'hono';
import type { AppEnv, Deps } from '../env.js';
import type { Repository } from './repository/repository.js';
import type { StoredVersion } from './repository/stored-version.js';
import { Session, type Admitted, type Caller, type Intent } from './session.js';

export type FhirContext = Context<AppEnv>;

// One Caller per HTTP request, so its rate-limit token is taken once however many sessions the
// request opens (a batch's entries, a read's fallback to a transaction).
const callers = new WeakMap<FhirContext, Caller>();

/** The request as the session sees it: scope, principal, body size, and whether the client left. */
export function callerOf(c: FhirContext): Caller {
  let caller = callers.get(c);
  if (caller === undefined) {
    // The node socket, not c.req.raw.signal: touching c.req.raw makes @hono/node-server build a
    // full Request for every request. Absent under app.request in tests.
    const socket = c.env?.outgoing?.socket;
    caller = {
      scope: c.var.scope,
      principal: c.var.principal,
      bodyBytes: bodyBytes(c),
      gone: () => socket?.destroyed === true,
      rateSettled: false,
    };
    callers.set(c, caller);
  }
  return caller;
}

function bodyBytes(c: FhirContext): number {
  if (c.req.method === 'GET' || c.req.method === 'HEAD') return 0;
  // The node request's headers, not c.req.header(): that builds a full Request (see above).
  const incoming = c.env?.incoming;
  const length = incoming ? incoming.headers['content-length'] : c.req.header('content-length');
  return Number(length ?? 0) || 0;
}

/** Runs fn in the request's session (fhir/session.ts): admission, access, then one transaction. */
export async function withSession<T>(c: FhirContext, deps: Deps, intent: Intent, fn: (repo: Repository, admitted: Admitted) => Promise<T>): Promise<T> {
  const session = await Session.open(deps, callerOf(c), intent);
  return session.run(fn);
}

/** read (no versionId) or vread, by the session's read strategy. */
export async function readInSession(c: FhirContext, deps: Deps, type: string, id: string, versionId?: number): Promise<StoredVersion | undefined> {
  const intent: Intent = { check: 'access', interaction: versionId === undefined ? 'read' : 'vread', type };
  const session = await Session.open(deps, callerOf(c), intent);
  return session.read(type, id, versionId);
}
