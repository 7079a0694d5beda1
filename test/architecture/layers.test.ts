import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/*
 * Dependencies point down only (docs/architecture.md, "Folders and what each may import"). Each
 * folder of src/ lists what it may import; every relative import of every file is checked, type
 * imports too, so a layer cannot grow an upward edge unnoticed.
 */

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../../src');

const BASE = ['core', 'fhirpath', 'config.ts', 'log.ts'];
const MAY_IMPORT: Record<string, string[]> = {
  core: ['core'],
  fhirpath: ['core', 'fhirpath'],
  'config.ts': ['core', 'log.ts'],
  'log.ts': ['core', 'config.ts'],
  db: [...BASE, 'db'],
  auth: [...BASE, 'db', 'auth'],
  fhir: [...BASE, 'db', 'auth', 'env.ts', 'fhir'],
  http: [...BASE, 'db', 'auth', 'env.ts', 'fhir', 'http'],
  admin: [...BASE, 'db', 'auth', 'env.ts', 'fhir', 'http', 'admin'],
  analytics: [...BASE, 'db', 'auth', 'env.ts', 'fhir', 'http', 'admin', 'analytics'],
  // Bulk Data ($export, $import): jobs above the FHIR core, plugged in as extensions.
  bulk: [...BASE, 'db', 'auth', 'env.ts', 'fhir', 'http', 'admin', 'bulk'],
  // The operator console: pages over the admin API and the FHIR core.
  console: [...BASE, 'db', 'auth', 'env.ts', 'fhir', 'http', 'admin', 'analytics', 'bulk', 'console'],
};
// The wiring: they put the layers together, so they may import any of them.
const WIRING = new Set(['app.ts', 'index.ts', 'bootstrap.ts', 'reindex-cli.ts', 'env.ts']);

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : /\.tsx?$/.test(name) ? [path] : [];
  });
}

/** The folder (or root file) a path is in: `fhir` for src/fhir/x.ts, `env.ts` for src/env.js. */
function topOf(path: string): string {
  return (relative(SRC, path).split('/')[0] ?? '').replace(/\.jsx?$/, '.ts');
}

function imports(path: string): string[] {
  const text = readFileSync(path, 'utf8');
  return [...text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)].map((m) => resolve(dirname(path), m[1] ?? ''));
}

function allowed(file: string, target: string): boolean {
  const from = topOf(file);
  return WIRING.has(from) || MAY_IMPORT[from]?.includes(topOf(target)) === true;
}

describe('layers of src/', () => {
  it('has a rule for every top-level folder and file', () => {
    const tops = new Set(files(SRC).map(topOf));
    const unknown = [...tops].filter((t) => !(t in MAY_IMPORT) && !WIRING.has(t));
    expect(unknown).toEqual([]);
  });

  it('imports only downward', () => {
    const upward: string[] = [];
    for (const file of files(SRC)) {
      for (const target of imports(file)) if (!allowed(file, target)) upward.push(`${relative(SRC, file)} -> ${relative(SRC, target)}`);
    }
    expect(upward).toEqual([]);
  });

  it('tells an upward import from a downward one (the check itself works)', () => {
    expect(allowed(join(SRC, 'db/sql.ts'), join(SRC, 'fhir/session.js'))).toBe(false);
    expect(allowed(join(SRC, 'auth/gate.ts'), join(SRC, 'fhir/search/registry.js'))).toBe(false);
    expect(allowed(join(SRC, 'fhir/session.ts'), join(SRC, 'db/doors.js'))).toBe(true);
    expect(imports(join(SRC, 'fhir/session.ts'))).toContain(join(SRC, 'db/doors.js'));
  });
});
