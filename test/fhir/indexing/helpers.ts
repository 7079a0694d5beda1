import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { extractIndexRows } from '../../../src/fhir/indexing/extract.js';
import type { IndexRows } from '../../../src/fhir/indexing/index-rows.js';
import type { Resource } from '../../../src/fhir/indexing/param-plans.js';

export type RowType = keyof IndexRows;

/** Rows of one parameter, without the `code` field (which is implied). */
export function rowsOf<K extends RowType>(rows: IndexRows, type: K, code: string): Omit<IndexRows[K][number], 'code'>[] {
  return (rows[type] as IndexRows[K][number][])
    .filter((r) => r.code === code)
    .map(({ code: _code, ...rest }) => rest as Omit<IndexRows[K][number], 'code'>);
}

/** Shorthand: extract and pick one parameter's rows. */
export function extract<K extends RowType, R extends Resource>(resource: R, type: K, code: string): Omit<IndexRows[K][number], 'code'>[] {
  return rowsOf(extractIndexRows(resource), type, code);
}

export function examplesDir(): string {
  const require = createRequire(import.meta.url);
  return dirname(require.resolve('hl7.fhir.r4.examples/package.json'));
}

/**
 * Every resource of the R4 examples package: each file's resource, plus the
 * entries of example Bundles (more data for the same parameters).
 */
export function loadR4Examples(): { file: string; resource: Resource }[] {
  const dir = examplesDir();
  const out: { file: string; resource: Resource }[] = [];
  for (const file of readdirSync(dir).sort()) {
    if (!file.endsWith('.json') || file === 'package.json') continue;
    const res = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Resource & { entry?: { resource?: Resource }[] };
    if (typeof res.resourceType !== 'string') continue;
    out.push({ file, resource: res });
    if (res.resourceType === 'Bundle') {
      (res.entry ?? []).forEach((e, i) => {
        if (e.resource) out.push({ file: `${file}#entry[${i}]`, resource: e.resource });
      });
    }
  }
  return out;
}
