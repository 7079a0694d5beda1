/**
 * The fast accessor compiler must be a pure optimisation: on every R4
 * example resource (files and Bundle entries, all types), extraction with
 * fast accessors must give exactly the rows fhirpath.js gives.
 */
import { describe, expect, it } from 'vitest';
import { extractIndexRows } from '../../../src/fhir/indexing/extract.js';
import type { IndexRows } from '../../../src/fhir/indexing/index-rows.js';
import { plansFor } from '../../../src/fhir/indexing/param-plans.js';
import type { Resource } from '../../../src/fhir/indexing/param-plans.js';
import { loadR4Examples } from './helpers.js';

const examples = loadR4Examples();
const byType = new Map<string, { file: string; resource: Resource }[]>();
for (const e of examples) {
  const list = byType.get(e.resource.resourceType) ?? [];
  list.push(e);
  byType.set(e.resource.resourceType, list);
}

/** Rows as sorted strings per code: order is not part of the contract. */
function canonical(rows: IndexRows): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [type, list] of Object.entries(rows) as [string, { code: string }[]][]) {
    for (const row of list) (out[`${type} ${row.code}`] ??= []).push(JSON.stringify(row));
  }
  for (const k of Object.keys(out)) out[k]!.sort();
  return out;
}

function fastCodes(resourceType: string): Set<string> {
  return new Set(plansFor(resourceType, 'auto').plans.filter((p) => p.engine === 'fast').map((p) => p.def.code));
}

describe('fast accessors ≡ fhirpath.js on the R4 examples', () => {
  it('covers the whole package', () => {
    expect(examples.length).toBeGreaterThan(5000);
    expect(byType.size).toBeGreaterThan(140);
  });

  for (const [type, list] of [...byType].sort(([a], [b]) => (a < b ? -1 : 1))) {
    it(`${type} (${list.length})`, { timeout: 120_000 }, () => {
      // Guard against a vacuous comparison: the fast path must be in use.
      expect(fastCodes(type).size).toBeGreaterThan(0);
      for (const { file, resource } of list) {
        const a = canonical(extractIndexRows(resource, { engine: 'auto' }));
        const b = canonical(extractIndexRows(resource, { engine: 'fhirpath' }));
        expect(a, file).toEqual(b);
      }
    });
  }
});
