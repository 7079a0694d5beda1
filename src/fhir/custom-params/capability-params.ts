/**
 * A scope's stored SearchParameters in its CapabilityStatement: the R4 part of the statement is
 * built once (capability.ts); a set with stored parameters copies it and adds them, under each
 * base type (`searchParam` with the canonical url, `searchInclude` for references) and, for a
 * reference parameter, to `searchRevInclude` of its targets. Only the entries that change are
 * copied, so a new version of a tenant's set costs a fraction of a statement's build.
 */
import type { CustomDef } from './definition.js';

interface Entry {
  readonly type: string;
  readonly searchParam?: readonly unknown[];
  readonly searchInclude?: readonly string[];
  readonly searchRevInclude?: readonly string[];
}

/** Sets kept per R4 statement part; past it the oldest goes. */
const MAX_CACHED = 256;
const cache = new WeakMap<readonly Entry[], Map<string, Entry[]>>();

function withCustom(entries: readonly Entry[], custom: readonly CustomDef[], listed: (type: string) => boolean): Entry[] {
  const own = new Map<string, CustomDef[]>();
  const rev = new Map<string, string[]>();
  for (const d of custom) {
    own.set(d.resourceType, [...(own.get(d.resourceType) ?? []), d]);
    if (d.type !== 'reference' || !listed(d.resourceType)) continue;
    for (const t of d.target) rev.set(t, [...(rev.get(t) ?? []), `${d.resourceType}:${d.code}`]);
  }
  return entries.map((e) => {
    const defs = own.get(e.type);
    const revs = rev.get(e.type);
    if (defs === undefined && revs === undefined) return e;
    return {
      ...e,
      searchParam: [...(e.searchParam ?? []), ...(defs ?? []).map((d) => ({ name: d.code, definition: d.url, type: d.type, documentation: d.description }))],
      searchInclude: [...(e.searchInclude ?? []), ...(defs ?? []).filter((d) => d.type === 'reference').map((d) => `${e.type}:${d.code}`)],
      searchRevInclude: [...(e.searchRevInclude ?? []), ...(revs ?? [])],
    };
  });
}

/** `entries` with the set's stored parameters added (the same array when it has none). */
export function withCustomParams(entries: readonly Entry[], set: { key: string; custom: readonly CustomDef[] } | undefined): readonly Entry[] {
  if (set === undefined || set.custom.length === 0) return entries;
  let bySet = cache.get(entries);
  if (!bySet) cache.set(entries, (bySet = new Map()));
  const hit = bySet.get(set.key);
  if (hit) return hit;
  const types = new Set(entries.map((e) => e.type));
  const out = withCustom(entries, set.custom, (t) => types.has(t));
  if (bySet.size >= MAX_CACHED) bySet.delete(bySet.keys().next().value ?? '');
  bySet.set(set.key, out);
  return out;
}
