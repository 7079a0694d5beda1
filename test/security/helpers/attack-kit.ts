import type { Rng } from './prng.js';
import type { Attempt } from './send.js';
import { OVERLAP, type Tenant, type World } from './world.js';
import { idsOf, uniqueIdsOf } from './search-values.js';

/* What every attack generator shares: who the attacker is, how it names itself, what it aims at. */

export interface LeakAttempt extends Attempt {
  safe: boolean;
  /** Names another tenant where the tenant is chosen (base, header, token): must be refused (4xx). */
  mustRefuse?: boolean;
}

/** How the attacker legitimately names itself: a base and its headers. */
export interface Caller {
  base: string;
  headers: [string, string][];
}

export interface AttackContext {
  rng: Rng;
  world: World;
  attacker: Tenant;
  /** Everyone but the attacker. */
  others: Tenant[];
  mode: 'gateway' | 'token';
  /** Token mode: the attacker's bearer token. */
  token?: string;
  /** Token mode: tokens that must never open another tenant (wrong secret, expired, alg none, odd claims). */
  forged?: string[];
}


export const JSON_TYPE: [string, string] = ['content-type', 'application/fhir+json'];

export function caller(ctx: AttackContext): Caller {
  const { rng, attacker: a } = ctx;
  if (ctx.mode === 'gateway') {
    return rng.pick<Caller>([
      { base: '/fhir', headers: [['x-tenant-id', a.id]] },
      { base: `/tenants/${a.id}/fhir`, headers: [] },
      { base: `/tenants/${a.id}/fhir`, headers: [['X-Tenant-ID', a.id]] },
    ]);
  }
  const auth: [string, string] = ['authorization', `Bearer ${ctx.token}`];
  return rng.pick<Caller>([
    { base: '/fhir', headers: [auth] },
    { base: `/tenants/${a.id}/fhir`, headers: [auth] },
    { base: '/fhir', headers: [auth, ['x-tenant-id', a.id]] },
  ]);
}

export function victim(ctx: AttackContext): Tenant {
  return ctx.rng.pick(ctx.others);
}

/** A target of another tenant: mostly its unique ids, sometimes an overlapping literal. */
export function target(ctx: AttackContext, v: Tenant, type?: string): [string, string] {
  const { rng } = ctx;
  if (type !== undefined) return [type, rng.pick(idsOf(v)[type] ?? idsOf(v).Patient!)];
  if (rng.chance(0.15)) return ['Patient', rng.pick(OVERLAP.patient)];
  return rng.pick(uniqueIdsOf(v));
}

/** An attacker-side resource body: no token of any other tenant in it. */
export function ownPatient(id?: string): Record<string, unknown> {
  return { resourceType: 'Patient', ...(id === undefined ? {} : { id }), active: false, name: [{ family: 'Intruder', given: ['Mallory'] }] };
}

export function get(ctx: AttackContext, family: string, path: string, extra: [string, string][] = []): LeakAttempt {
  const c = caller(ctx);
  return { family, method: 'GET', path: `${c.base}${path}`, headers: [...c.headers, ...extra], safe: true };
}

export function withBody(ctx: AttackContext, family: string, method: string, path: string, body: unknown, extra: [string, string][] = [], safe = false): LeakAttempt {
  const c = caller(ctx);
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return { family, method, path: `${c.base}${path}`, headers: [...c.headers, JSON_TYPE, ...extra], body: text, safe };
}

/** A uuid from the seeded generator (replays need the same request text). */
export function uuid(rng: Rng): string {
  const hex = () => rng.int(16).toString(16);
  const part = (n: number) => Array.from({ length: n }, hex).join('');
  return `${part(8)}-${part(4)}-4${part(3)}-a${part(3)}-${part(12)}`;
}
