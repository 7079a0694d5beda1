import { writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * One file a generator produces: where it is committed and its exact text. Generators return
 * these instead of writing, so test/scripts/generated.test.ts can compare them with the
 * committed files without touching the tree.
 */
export interface GeneratedFile {
  path: string;
  text: string;
}

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** An absolute path from a path relative to the repository root. */
export const inRepo = (path: string): string => fileURLToPath(new URL(`../../${path}`, import.meta.url));

export function writeGenerated(files: readonly GeneratedFile[]): void {
  for (const f of files) {
    writeFileSync(f.path, f.text);
    console.log(`wrote ${relative(ROOT, f.path)} (${f.text.length.toLocaleString('en-US')} characters)`);
  }
}

/** Whether the module is the script node was started with (and not imported by a test). */
export const isMain = (moduleUrl: string): boolean => process.argv[1] !== undefined && fileURLToPath(moduleUrl) === process.argv[1];
