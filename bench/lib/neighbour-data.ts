/**
 * The noisy tenant's data for bench/neighbour.ts: `patients` Patients (each with one extension,
 * what the JSON Patch copies) and `perPatient` Observations each (codes c0..c9 of one system), in
 * one transaction bundle, so one request loads it and nothing analyzes it in between.
 */
export function noisyBundle(patients = 400, perPatient = 3): string {
  const entry: unknown[] = [];
  for (let p = 0; p < patients; p++) {
    const fullUrl = `urn:uuid:00000000-0000-4000-8000-${String(p).padStart(12, '0')}`;
    entry.push({
      fullUrl,
      resource: {
        resourceType: 'Patient',
        extension: [{ url: 'http://example.org/fhir/StructureDefinition/bench', valueString: `p${p}` }],
        name: [{ family: `Noisy${p % 50}`, given: [`N${p}`] }],
        gender: p % 2 ? 'female' : 'male',
        birthDate: `19${String(40 + (p % 60)).padStart(2, '0')}-01-01`,
      },
      request: { method: 'POST', url: 'Patient' },
    });
    for (let o = 0; o < perPatient; o++) {
      entry.push({
        resource: {
          resourceType: 'Observation',
          status: 'final',
          code: { coding: [{ system: 'http://example.org/codes', code: `c${(p * perPatient + o) % 10}` }] },
          subject: { reference: fullUrl },
          effectiveDateTime: '2020-01-01T00:00:00Z',
          valueQuantity: { value: o, unit: '1', system: 'http://unitsofmeasure.org', code: '1' },
        },
        request: { method: 'POST', url: 'Observation' },
      });
    }
  }
  return JSON.stringify({ resourceType: 'Bundle', type: 'transaction', entry });
}
