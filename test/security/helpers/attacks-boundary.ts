import type { Rng } from './prng.js';
import { target, victim, type AttackContext, type LeakAttempt } from './attack-kit.js';

/*
 * Attacks on the choice of the tenant itself: another tenant named by the base URL, the header or
 * the token, and the same smuggled through duplicate or case-variant headers, dot segments,
 * escaped slashes and look-alike tenant ids.
 */

/** The attacker names another tenant through the base, the header or the token (and must be refused). */
export function mismatchAttempt(ctx: AttackContext): LeakAttempt {
  const { rng, attacker: a } = ctx;
  const v = victim(ctx);
  const [type, id] = target(ctx, v);
  const rest = rng.pick([`/${type}/${id}`, `/${type}?_id=${id}`, '/Patient', '/_history', '/metadata', `/${type}/${id}/_history`]);
  if (ctx.mode === 'gateway') {
    const [path, headers] = rng.pick<[string, [string, string][]]>([
      [`/tenants/${v.id}/fhir${rest}`, [['x-tenant-id', a.id]]],
      [`/tenants/${a.id}/fhir${rest}`, [['x-tenant-id', v.id]]],
      [`/tenants/${v.id}/fhir${rest}`, [['X-Tenant-Id', a.id], ['authorization', 'Bearer not-the-admin-token-0000']]],
    ]);
    return { family: 'mismatch', method: 'GET', path, headers, safe: true, mustRefuse: true };
  }
  const auth: [string, string] = ['authorization', `Bearer ${rng.chance(0.3) && ctx.forged?.length ? rng.pick(ctx.forged) : ctx.token}`];
  const [path, headers] = rng.pick<[string, [string, string][]]>([
    [`/tenants/${v.id}/fhir${rest}`, [auth]],
    [`/fhir${rest}`, [auth, ['x-tenant-id', v.id]]],
    [`/tenants/${a.id}/fhir${rest}`, [auth, ['x-tenant-id', v.id]]],
    [`/tenants/${v.id}/fhir${rest}`, [auth, ['x-tenant-id', v.id]]],
    [`/tenants/${v.id}/fhir${rest}`, [['x-tenant-id', v.id]]],
    [`/fhir${rest}`, [['authorization', `bearer ${ctx.token}`], ['x-tenant-id', v.id]]],
  ]);
  const method = rng.pick(['GET', 'GET', 'DELETE']);
  return { family: 'mismatch', method, path, headers, safe: method === 'GET', mustRefuse: true };
}

/** Unicode look-alikes of a tenant id: the server must not fold them into the real one. */
function lookalike(rng: Rng, id: string): string {
  const swaps: Record<string, string[]> = { a: ['а', 'ａ', 'á'], b: ['ь', 'ｂ', 'ḃ'], c: ['с', 'ｃ'], e: ['е', 'ｅ'], o: ['о', 'ο', '０'], '-': ['‐', '－', '‑'], i: ['і', 'ı'] };
  const chars = [...id];
  const at = chars.findIndex((ch) => swaps[ch]);
  if (at >= 0) chars[at] = rng.pick(swaps[chars[at]!]!);
  return rng.chance(0.3) ? chars.join('').toUpperCase() : chars.join('');
}

/** Duplicate and case-variant headers, path tricks and look-alike tenant ids. */
export function smuggleAttempt(ctx: AttackContext): LeakAttempt {
  const { rng, attacker: a } = ctx;
  const v = victim(ctx);
  const [type, id] = target(ctx, v);
  const ident: [string, string][] = ctx.mode === 'gateway' ? [['x-tenant-id', a.id]] : [['authorization', `Bearer ${ctx.token}`]];
  // [path, headers, refuse]: refuse marks forms that name the other tenant where the tenant is chosen.
  const forms: (() => [string, [string, string][], boolean?])[] = [
    () => [`/fhir/${type}/${id}`, [...ident, ['x-tenant-id', v.id]], true],
    () => [`/fhir/${type}/${id}`, [...ident, ['X-TENANT-ID', v.id]], true],
    () => [`/fhir/${type}/${id}`, [['X-Tenant-ID', v.id], ...ident], true],
    () => [`/fhir/${type}/${id}`, [...ident, ['x-tenant-id', `${a.id},${v.id}`]], true],
    () => [`/fhir/../tenants/${v.id}/fhir/${type}/${id}`, ident, true],
    () => [`/tenants/${a.id}/fhir/../../${v.id}/fhir/${type}/${id}`, ident, true],
    () => [`/tenants/${a.id}/fhir/%2e%2e/%2e%2e/${v.id}/fhir/${type}/${id}`, ident, true],
    () => [`/tenants/${a.id}/fhir/..%2f..%2f${v.id}%2ffhir/${type}/${id}`, ident],
    () => [`/tenants/${a.id}%2f..%2f${v.id}/fhir/${type}/${id}`, ident],
    () => [`/tenants/${encodeURIComponent(lookalike(rng, v.id))}/fhir/${type}/${id}`, ident, true],
    () => [`/tenants/${v.id.toUpperCase()}/fhir/${type}/${id}`, ident, true],
    () => [`/tenants/${v.id}%00/fhir/${type}/${id}`, ident, true],
    () => [`/tenants/${v.id}./fhir/${type}/${id}`, ident, true],
    () => [`/tenants//${v.id}/fhir/${type}/${id}`, ident],
    () => [`//tenants/${v.id}/fhir/${type}/${id}`, ident],
    () => [`/TENANTS/${v.id}/FHIR/${type}/${id}`, ident],
    () => [`/tenants/${v.id}/fhir/${type}/${id};tenant=${a.id}`, ident, true],
    () => [`/tenants/${a.id}/fhir/${type}/${id}%2f..%2f..%2f..%2ftenants%2f${v.id}%2ffhir%2f${type}%2f${id}`, ident],
    () => [`/fhir/${type}/${id}?x-tenant-id=${v.id}&_tenant=${v.id}&tenant=${v.id}`, ident],
    () => [`/fhir/${type}/${id}`, [...ident, ['x-forwarded-host', `${v.id}.fhir.test`], ['x-original-url', `/tenants/${v.id}/fhir/${type}/${id}`], ['x-rewrite-url', `/tenants/${v.id}/fhir/${type}/${id}`], ['forwarded', `host=${v.id}`], ['x-forwarded-prefix', `/tenants/${v.id}/fhir`]]],
    () => [`/fhir/${type}/${id}`, [...ident.filter(([k]) => k !== 'x-tenant-id'), ['x-tenant-id', `${v.id}\u00a0`]], true],
    () => [`/fhir/${type}/${id}`, [...ident.filter(([k]) => k !== 'x-tenant-id'), ['x-tenant-id', `${a.id}\u00a0${v.id}`]], true],
    () => [`/shared/fhir/${type}/${id}`, ident],
    () => [`/shared/fhir/Patient?_id=${id}`, [...ident, ['x-tenant-id', v.id]]],
    () => [`/tenants/${a.id}/fhir/${type}/${id}`, [...ident, ['x-tenant-id', `${a.id}`], ['x-tenant-id', v.id]], true],
  ];
  const [path, headers, refuse] = rng.pick(forms)();
  // In gateway mode a request naming only the other tenant IS that tenant: keep the attacker's identity in every form.
  const named = ctx.mode === 'token' || headers.some(([k, val]) => k.toLowerCase() === 'x-tenant-id' && val.includes(a.id)) || path.includes(`/tenants/${a.id}/`);
  const finalHeaders = named ? headers : [...headers, ['x-tenant-id', a.id] as [string, string]];
  const method = rng.pick(['GET', 'GET', 'GET', 'DELETE', 'HEAD']);
  return { family: 'smuggle', method, path, headers: finalHeaders, safe: method !== 'DELETE', mustRefuse: refuse === true };
}
