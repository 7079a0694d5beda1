import { describe, expect, it } from 'vitest';
import { extractIndexRows } from '../../../src/fhir/indexing/extract.js';
import { SYNTHEA_DIR, entriesInText, syntheaResources } from '../../fixtures/synthea.js';
import { rowsOf } from './helpers.js';

describe(`Synthea bundles (${SYNTHEA_DIR})`, () => {
  const resources = syntheaResources();

  it('extract every resource without throwing', () => {
    expect(resources.length).toBe(entriesInText());
    let rows = 0;
    for (const r of resources) {
      const out = extractIndexRows(r);
      rows += Object.values(out).reduce((n: number, l: unknown[]) => n + l.length, 0);
    }
    expect(rows).toBeGreaterThan(resources.length * 5);
  });

  it('index vital-sign components as composites', () => {
    const bp = resources.find(
      (r) => r.resourceType === 'Observation' && JSON.stringify(r).includes('"8480-6"'),
    );
    if (!bp) throw new Error('no blood-pressure Observation (LOINC 8480-6) in the Synthea data');
    const rows = extractIndexRows(bp);
    const systolic = rows.composite.filter(
      (c) => c.code === 'component-code-value-quantity' && c.components[0]?.type === 'token' && c.components[0].value === '8480-6',
    );
    expect(systolic).toHaveLength(1);
    expect(systolic[0]!.components[1]).toMatchObject({ type: 'quantity', system: 'http://unitsofmeasure.org', unit: 'mm[Hg]' });
    expect(rowsOf(rows, 'token', 'code')).toContainEqual(expect.objectContaining({ system: 'http://loinc.org' }));
  });
});
