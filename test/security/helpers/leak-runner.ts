import type { TestServer } from '../../helpers/app.js';
import { nextAttempt, type AttackContext, type LeakAttempt } from './attacks.js';
import { mulberry32, type Rng } from './prng.js';
import { describeAttempt, requestText, send, type Answer, type Attempt } from './send.js';
import type { Tenant, World } from './world.js';

/*
 * The oracle of the leak suite, for every answer to a request of tenant X:
 *
 * 1. no 5xx, and an answer within the timeout;
 * 2. no canary of another tenant anywhere in the body or the headers (canaries are never sent, so
 *    nothing can excuse one);
 * 3. no other token of another tenant (unique ids, names, identifiers, codes, tags, its tenant id)
 *    in the body or the headers, unless the request itself carried that exact token (a 404 may
 *    name the id that was asked for: an echo of what X sent is fine) or X holds it legitimately
 *    (X's dangling references, or X's own copy made by a PUT to that id: "known");
 * 4. existence must not show: a request that names another tenant's tokens is sent again with each
 *    replaced by a fresh decoy of the same shape; both answers must be identical once the decoys
 *    are mapped back (status and body, the Bundle timestamp aside). Only requests that change
 *    nothing are repeated: reads, searches, operations that store nothing, and any refused write.
 *
 * After the run, the other tenants' rows are compared by checksum (see checksum.ts).
 */

export interface Stats {
  attempts: number;
  decoys: number;
  statuses: Record<string, Record<number, number>>;
  /** Milliseconds per family. */
  time: Record<string, number>;
  failures: string[];
  ms: number;
}

export function newStats(): Stats {
  return { attempts: 0, decoys: 0, statuses: {}, time: {}, failures: [], ms: 0 };
}

/** Tokens of other tenants that `who` may not see unless it sent them. */
function watched(world: World, who: Tenant): { canaries: string[]; tokens: string[] } {
  const others = world.tenants.filter((t) => t !== who);
  return {
    canaries: others.map((t) => t.canary),
    tokens: others.flatMap((t) => [...t.secrets].filter((s) => s !== t.canary && !who.known.has(s))),
  };
}

/** Problems with one answer to `who` (empty: fine). */
export function leaks(world: World, who: Tenant, attempt: Attempt, answer: Answer): string[] {
  const problems: string[] = [];
  if (answer.status >= 500) problems.push(`status ${answer.status}: ${answer.body.slice(0, 300)}`);
  const text = `${answer.headers.map(([k, v]) => `${k}: ${v}`).join('\n')}\n${answer.body}`;
  const sent = requestText(attempt);
  const { canaries, tokens } = watched(world, who);
  const around = (token: string) => {
    const at = text.indexOf(token);
    return text.slice(Math.max(0, at - 150), at + token.length + 150);
  };
  for (const c of canaries) if (text.includes(c)) problems.push(`canary ${c} of ${owner(world, c)} in the answer: …${around(c)}…`);
  for (const t of tokens) {
    if (!sent.includes(t) && text.includes(t)) problems.push(`token ${t} of ${owner(world, t)} in the answer: …${around(t)}…`);
  }
  return problems;
}

function owner(world: World, token: string): string {
  return world.tenants.find((t) => t.secrets.has(token))?.id ?? '?';
}

/** Other tenants' tokens in a request (not counting those the caller holds). */
function namedTokens(world: World, who: Tenant, attempt: Attempt): string[] {
  const sent = requestText(attempt);
  return watched(world, who).tokens.filter((t) => sent.includes(t));
}

function decoyOf(rng: Rng, token: string): string {
  // Same length and character classes, so a decoy passes and fails the same syntax checks.
  return [...token].map((ch, i) => {
    if (i === 0 && /[a-z]/.test(ch)) return 'z';
    if (/[a-z]/.test(ch)) return String.fromCharCode(97 + rng.int(26));
    if (/[0-9]/.test(ch)) return String(rng.int(10));
    return ch;
  }).join('');
}

function substitute(a: Attempt, map: Map<string, string>): Attempt {
  const swap = (s: string) => {
    let out = s;
    for (const [from, to] of map) out = out.split(from).join(to);
    return out;
  };
  return { ...a, path: swap(a.path), headers: a.headers.map(([k, v]) => [k, swap(v)]), body: typeof a.body === 'string' ? swap(a.body) : a.body };
}

/**
 * The answers are the same once the decoys are mapped back, except for echoes cut short: an
 * error message cuts a long value it echoes at a fixed length, which may fall anywhere inside a
 * token, and closes the quote after it (`\"` in the JSON body). Such a region, a proper prefix of
 * a token in the real answer and the same prefix of its decoy in the other, right before the
 * closing quote, is not a difference. A decoy has its token's length, so both are cut alike.
 */
function sameUpToCutEchoes(real: string, back: string, map: Map<string, string>): boolean {
  if (real.length !== back.length) return false;
  for (let i = 0; i < real.length; i++) {
    if (real[i] === back[i]) continue;
    const end = real.indexOf('\\"', i);
    if (end < 0 || !back.startsWith('\\"', end)) return false;
    const cut = [...map].some(([t, d]) => {
      for (let n = end - i; n < t.length && n <= end; n++) {
        if (real.startsWith(t.slice(0, n), end - n) && back.startsWith(d.slice(0, n), end - n)) return true;
      }
      return false;
    });
    if (!cut) return false;
    i = end;
  }
  return true;
}

// The Bundle timestamp, server-made ids (a create's fresh uuid named in an error) and paging
// cursors (sealed with a fresh IV, holding the first page's time) differ between any two answers.
const normalize = (body: string) => body.replace(/"timestamp":"[^"]*"/g, '"timestamp":""')
  .replace(/_cursor=[A-Za-z0-9_-]+/g, '_cursor=<cursor>')
  .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '<uuid>');

export interface StreamOptions {
  s: TestServer;
  ctx: AttackContext;
  count: number;
  stats: Stats;
  /** Share of eligible attempts repeated with decoys. */
  decoyRate: number;
  /** Stop collecting after this many failures (the report stays readable). */
  maxFailures?: number;
  /**
   * Only requests that change nothing: for streams that run beside others of the same attacker,
   * where a write of one stream could otherwise change what a decoy of another answers.
   */
  safeOnly?: boolean;
}

function record(stats: Stats, family: string, status: number): void {
  const byStatus = (stats.statuses[family] ??= {});
  byStatus[status] = (byStatus[status] ?? 0) + 1;
}

/** One attacker's attempts, one after the other. */
export async function runStream(o: StreamOptions): Promise<void> {
  const { s, ctx, stats } = o;
  const decoyRng = mulberry32((ctx.rng.seed ^ 0x5bd1e995) >>> 0);
  const fail = (i: number, a: Attempt, what: string) => {
    if (stats.failures.length < (o.maxFailures ?? 25)) {
      stats.failures.push(`seed ${ctx.rng.seed} attempt #${i} by ${ctx.attacker.id} (${ctx.mode}): ${what}\n  request: ${describeAttempt(a)}`);
    }
  };
  for (let i = 0; i < o.count; i++) {
    let attempt: LeakAttempt = nextAttempt(ctx);
    while (o.safeOnly && !attempt.safe) attempt = nextAttempt(ctx);
    const sent = requestText(attempt);
    for (const t of ctx.world.tenants) {
      if (sent.includes(t.canary)) throw new Error(`generator bug: ${attempt.family} sent the canary of ${t.id}`);
    }
    const started = performance.now();
    let answer: Answer;
    try {
      answer = await send(s, attempt);
    } catch (err) {
      fail(i, attempt, `no answer: ${(err as Error).message}`);
      continue;
    } finally {
      stats.ms += performance.now() - started;
    }
    stats.attempts++;
    record(stats, attempt.family, answer.status);
    stats.time[attempt.family] = (stats.time[attempt.family] ?? 0) + answer.ms;
    if (attempt.mustRefuse && answer.status < 400) fail(i, attempt, `a request naming another tenant where the tenant is chosen was answered ${answer.status}: ${answer.body.slice(0, 300)}`);
    const t0 = performance.now();
    const found = leaks(ctx.world, ctx.attacker, attempt, answer);
    stats.time.oracle = (stats.time.oracle ?? 0) + performance.now() - t0;
    stats.time.bytes = (stats.time.bytes ?? 0) + answer.body.length;
    if (found.length) fail(i, attempt, `answer ${answer.status}: ${found.slice(0, 3).join('\n  ')}${found.length > 3 ? `\n  (and ${found.length - 3} more tokens)` : ''}`);

    const named = namedTokens(ctx.world, ctx.attacker, attempt);
    const repeatable = attempt.safe || answer.status >= 400;
    if (named.length && repeatable && decoyRng.chance(o.decoyRate)) {
      const map = new Map(named.map((t) => [t, decoyOf(decoyRng, t)]));
      const decoy = substitute(attempt, map);
      let other: Answer;
      try {
        other = await send(s, decoy);
      } catch (err) {
        fail(i, decoy, `decoy: no answer: ${(err as Error).message}`);
        continue;
      }
      stats.decoys++;
      const back = substitute({ family: '', method: '', path: '', headers: [], body: other.body }, new Map([...map].map(([t, d]) => [d, t]))).body as string;
      if (other.status !== answer.status || !sameUpToCutEchoes(normalize(answer.body), normalize(back), map)) {
        fail(i, attempt, `the answer depends on whether another tenant's data exists: ${answer.status} vs decoy ${other.status}\n  real:  ${answer.body.slice(0, 400)}\n  decoy: ${back.slice(0, 400)}`);
      }
    }
    // A write that went through may have stored the other tenant's tokens it carried (e.g. PUT to
    // the same id makes the attacker's own copy): from then on they are the attacker's too.
    if (!attempt.safe && answer.status < 300) for (const t of named) ctx.attacker.known.add(t);
  }
}

/** Legitimate reads of each victim, interleaved with the attacks: their answers hold only their own data. */
export async function runVictimReads(s: TestServer, world: World, rng: Rng, count: number, stats: Stats): Promise<void> {
  const victims = world.tenants.filter((t) => t.role === 'victim');
  for (let i = 0; i < count; i++) {
    const v = rng.pick(victims);
    const path = rng.pick([
      `/Patient?_revinclude=Observation:subject&_include=Patient:organization`,
      `/Observation?_include=Observation:subject&_include:iterate=Patient:link`,
      `/Patient/${v.ids.versioned}/_history`, '/_history?_count=50', `/Patient/${v.ids.patient[2]}/$everything`,
      `/Group?_include=Group:member`, `/Patient?_has:Observation:subject:code=${v.values.code}`,
    ]);
    const attempt: Attempt = { family: 'victim-read', method: 'GET', path: `/tenants/${v.id}/fhir${path}`, headers: [] };
    const answer = await send(s, attempt);
    record(stats, 'victim-read', answer.status);
    const found = leaks(world, v, attempt, answer);
    if (found.length && stats.failures.length < 25) stats.failures.push(`victim read by ${v.id}: ${found.slice(0, 3).join('\n  ')}\n  request: ${describeAttempt(attempt)}`);
  }
}

export function summary(stats: Stats): string {
  const families = Object.entries(stats.statuses).sort(([a], [b]) => a.localeCompare(b))
    .map(([f, st]) => {
      const n = Object.values(st).reduce((a, b) => a + b, 0);
      const avg = stats.time[f] === undefined ? '' : ` (${(stats.time[f]! / n).toFixed(1)} ms avg)`;
      return `${f}: ${Object.entries(st).map(([k, c]) => `${k}×${c}`).join(' ')}${avg}`;
    });
  return `${stats.attempts} attempts, ${stats.decoys} decoys, ${Math.round(stats.ms)} ms in requests, oracle ${Math.round(stats.time.oracle ?? 0)} ms over ${Math.round((stats.time.bytes ?? 0) / 1e6)} MB\n  ${families.join('\n  ')}`;
}
