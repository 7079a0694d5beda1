import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** ../shared/data/synthea beside the repository (CI lays shared/ there too); SYNTHEA_DIR overrides. */
export const SYNTHEA_DIR = process.env.SYNTHEA_DIR ?? fileURLToPath(new URL('../../../shared/data/synthea', import.meta.url));

export interface Resource {
  resourceType: string;
  id: string;
  [key: string]: unknown;
}

export function syntheaFiles(): string[] {
  if (!existsSync(SYNTHEA_DIR)) throw new Error(`Synthea data not found at ${SYNTHEA_DIR} (set SYNTHEA_DIR)`);
  return readdirSync(SYNTHEA_DIR).filter((f) => f.endsWith('.json')).sort().map((f) => join(SYNTHEA_DIR, f));
}

export function readBundle(file: string): { resourceType: 'Bundle'; type: string; entry: { fullUrl: string; resource: Resource; request: { method: string; url: string } }[] } {
  return JSON.parse(readFileSync(file, 'utf8'));
}

/**
 * The resources of a Synthea transaction with their `urn:uuid:` fullUrls turned into ids and every
 * reference rewritten to `Type/id`: what a server's transaction processing stores, produced
 * independently of it so tests can use it as an oracle.
 */
export function resolvedResources(file: string): Resource[] {
  const bundle = readBundle(file);
  const ids = new Map<string, string>();
  for (const e of bundle.entry) ids.set(e.fullUrl, `${e.resource.resourceType}/${e.fullUrl.replace('urn:uuid:', '')}`);
  const text = JSON.stringify(bundle.entry.map((e) => ({ ...e.resource, id: e.fullUrl.replace('urn:uuid:', '') })));
  return JSON.parse(text, (key, value) => (key === 'reference' && typeof value === 'string' && ids.has(value) ? ids.get(value) : value));
}
