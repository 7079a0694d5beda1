import { describe, expect, it } from 'vitest';
import { validateResource } from '../../../src/fhir/validation/validate.js';
import { SYNTHEA_DIR, entriesInText, syntheaResources } from '../../fixtures/synthea.js';

const resources = syntheaResources();

describe(`Synthea bundles (${SYNTHEA_DIR})`, () => {
  it('accept every entry resource', () => {
    expect(resources.length).toBe(entriesInText());
    const rejected = resources
      .map((r) => ({ r, issues: validateResource(r) }))
      .filter((x) => x.issues.length > 0)
      .slice(0, 5)
      .map(({ r, issues }) => ({ resource: `${r.resourceType}/${r.id}`, issues }));
    expect(rejected).toEqual([]);
  });
});
