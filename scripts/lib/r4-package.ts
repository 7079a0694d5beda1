import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** The official R4 package the generators read (a dev dependency, so `npm ci` installs it). */
export function r4PackageDir(): string {
  return dirname(createRequire(import.meta.url).resolve('hl7.fhir.r4.examples/package.json'));
}

/** Every `{prefix}*.json` of the package, parsed, in file-name order (the output must not depend on readdir's). */
export function readPackageFiles<T>(dir: string, prefix: string): T[] {
  return readdirSync(dir)
    .filter((f) => f.startsWith(prefix) && f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as T);
}
