import { readFileSync } from 'node:fs';

/*
 * The concrete R4 resource types (generated from the R4 definitions by scripts/build-definitions.ts
 * into resource-types.json). Here, at the bottom, because every layer asks "is this an R4 type?":
 * access policies, metrics labels, URL routing, search.
 */

let types: { list: readonly string[]; set: ReadonlySet<string> } | undefined;

function load() {
  if (types) return types;
  const list: string[] = JSON.parse(readFileSync(new URL('./resource-types.json', import.meta.url), 'utf8'));
  types = { list, set: new Set(list) };
  return types;
}

/** Every concrete R4 resource type name, sorted. */
export function resourceTypes(): readonly string[] {
  return load().list;
}

export function isResourceType(name: string): boolean {
  return load().set.has(name);
}
