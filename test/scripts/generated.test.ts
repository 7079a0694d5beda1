import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { GENERATORS } from '../../scripts/generate.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/*
 * The committed generated files are what their generator makes from the installed R4 package,
 * byte for byte: a hand edit, or a generator changed without regenerating, fails here.
 */
describe('committed generated files', () => {
  for (const [name, generate] of Object.entries(GENERATORS)) {
    it(`are current for generate:${name}`, () => {
      const files = generate();
      expect(files.length).toBeGreaterThan(0);
      for (const { path, text } of files) {
        const committed = readFileSync(path, 'utf8');
        // A boolean, so a stale 3 MB file does not print a 3 MB diff.
        expect(committed === text, `${relative(ROOT, path)} is stale: run npm run generate:${name}`).toBe(true);
      }
    });
  }
});
