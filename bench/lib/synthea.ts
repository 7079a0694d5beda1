import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The 22 Synthea transaction bundles of ../shared/data/synthea (SYNTHEA_DIR overrides). */
export interface SyntheaBundle {
  file: string;
  body: string;
  resources: number;
}

export const SYNTHEA_DIR = process.env.SYNTHEA_DIR ?? fileURLToPath(new URL('../../../shared/data/synthea', import.meta.url));

let cached: SyntheaBundle[] | undefined;

export function syntheaBundles(): SyntheaBundle[] {
  cached ??= readdirSync(SYNTHEA_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => {
      const body = readFileSync(join(SYNTHEA_DIR, file), 'utf8');
      return { file, body, resources: (JSON.parse(body) as { entry: unknown[] }).entry.length };
    });
  if (cached.length === 0) throw new Error(`no Synthea bundles in ${SYNTHEA_DIR} (set SYNTHEA_DIR)`);
  return cached;
}

export const resourceTotal = (bundles: SyntheaBundle[]) => bundles.reduce((n, b) => n + b.resources, 0);
