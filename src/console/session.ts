import { randomBytes, timingSafeEqual } from 'node:crypto';

/** A message shown once on the next page (after a redirect). */
export interface Flash {
  kind: 'ok' | 'error';
  text: string;
}

/**
 * A console session, kept in this process only: the browser holds nothing but its random id (an
 * HttpOnly cookie), never the credential. The credential stays here so that every page re-checks
 * it (an expired or revoked admin JWT ends the session) and so the FHIR browser can send it.
 */
export interface ConsoleSession {
  id: string;
  token: string;
  /** The per-session CSRF token every state-changing form carries. */
  csrf: string;
  lastSeen: number;
  flash?: Flash;
  /** The Bulk Data exports started from this session (their status URLs are the client's, i.e. the operator's). */
  exports: ExportJob[];
}

export interface ExportJob {
  tenant: string;
  /** The status path on the tenant's base ($export-poll-status?_jobId=…). */
  statusPath: string;
  startedAt: string;
  request: string;
}

const random = () => randomBytes(32).toString('base64url');

export class SessionStore {
  private readonly sessions = new Map<string, ConsoleSession>();

  constructor(private readonly idleMs: number, private readonly max = 1000, private readonly now = () => Date.now()) {}

  create(token: string): ConsoleSession {
    // Bounded: at the cap the session idle longest goes (Map keeps insertion order; `get` re-inserts).
    while (this.sessions.size >= this.max) {
      const oldest = this.sessions.keys().next().value;
      if (oldest === undefined) break;
      this.sessions.delete(oldest);
    }
    const session: ConsoleSession = { id: random(), token, csrf: random(), lastSeen: this.now(), exports: [] };
    this.sessions.set(session.id, session);
    return session;
  }

  /** The live session of this id, its idle clock restarted; undefined when unknown or idle too long. */
  get(id: string | undefined): ConsoleSession | undefined {
    if (id === undefined) return undefined;
    const session = this.sessions.get(id);
    if (session === undefined) return undefined;
    this.sessions.delete(id);
    if (this.now() - session.lastSeen > this.idleMs) return undefined;
    session.lastSeen = this.now();
    this.sessions.set(id, session);
    return session;
  }

  end(id: string): void {
    this.sessions.delete(id);
  }
}

/** Constant-time comparison of a submitted CSRF token with the session's. */
export function csrfMatches(session: ConsoleSession, submitted: unknown): boolean {
  if (typeof submitted !== 'string') return false;
  const a = Buffer.from(submitted);
  const b = Buffer.from(session.csrf);
  return a.length === b.length && timingSafeEqual(a, b);
}
