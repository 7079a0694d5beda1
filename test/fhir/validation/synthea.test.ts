import { describe, expect, it } from 'vitest';
import { loadSyntheaResources, syntheaDir } from '../../../src/fhir/validation/bench-synthea.js';
import { validateResource } from '../../../src/fhir/validation/validate.js';

const resources = loadSyntheaResources();

describe.skipIf(resources.length === 0)(`Synthea bundles (${syntheaDir()})`, () => {
  it('accept every entry resource', () => {
    expect(resources.length).toBeGreaterThan(7000);
    const rejected = resources
      .map((r) => ({ r, issues: validateResource(r) }))
      .filter((x) => x.issues.length > 0)
      .slice(0, 5)
      .map(({ r, issues }) => ({ resource: `${(r as { resourceType?: string }).resourceType}/${(r as { id?: string }).id}`, issues }));
    expect(rejected).toEqual([]);
  });
});
