/**
 * The nine linked resources one CRUD iteration creates (the set of HealthSamurai's
 * fhir-server-performance-benchmark crud scenario), small but valid R4, written for this bench.
 * `refs` maps a type to the id the server gave it earlier in the iteration.
 */
export type Refs = Record<string, string>;

const ref = (refs: Refs, type: string) => ({ reference: `${type}/${refs[type]}` });
const now = () => new Date().toISOString();

export const CRUD_TYPES = ['Patient', 'Location', 'Organization', 'Practitioner', 'Encounter', 'Observation', 'MedicationRequest', 'Claim', 'ExplanationOfBenefit'] as const;
export type CrudType = (typeof CRUD_TYPES)[number];

/** What a Claim and its ExplanationOfBenefit share. */
function claimCore(type: 'Claim' | 'ExplanationOfBenefit', refs: Refs) {
  return {
    resourceType: type,
    status: 'active',
    type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/claim-type', code: 'professional' }] },
    use: 'claim',
    patient: ref(refs, 'Patient'),
    created: '2024-03-01T09:30:00Z',
    item: [{ sequence: 1, productOrService: { coding: [{ system: 'http://snomed.info/sct', code: '185349003' }] }, encounter: [ref(refs, 'Encounter')] }],
  };
}

export function seed(type: CrudType, refs: Refs): Record<string, unknown> {
  switch (type) {
    case 'Patient':
      return { resourceType: type, active: true, name: [{ family: 'Benchmark', given: ['Crud'] }], gender: 'female', birthDate: '1980-02-03' };
    case 'Location':
      return { resourceType: type, status: 'active', name: 'Bench Clinic Room 1' };
    case 'Organization':
      return { resourceType: type, active: true, name: 'Bench Hospital' };
    case 'Practitioner':
      return { resourceType: type, active: true, name: [{ family: 'Doctor', given: ['Bench'] }], gender: 'male' };
    case 'Encounter':
      return {
        resourceType: type,
        status: 'finished',
        class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' },
        type: [{ coding: [{ system: 'http://snomed.info/sct', code: '185349003', display: 'Encounter for check up' }] }],
        subject: ref(refs, 'Patient'),
        participant: [{ individual: ref(refs, 'Practitioner') }],
        period: { start: '2024-03-01T09:00:00Z', end: '2024-03-01T09:30:00Z' },
        location: [{ location: ref(refs, 'Location') }],
        serviceProvider: ref(refs, 'Organization'),
      };
    case 'Observation':
      return {
        resourceType: type,
        status: 'final',
        category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] }],
        code: { coding: [{ system: 'http://loinc.org', code: '29463-7', display: 'Body Weight' }] },
        subject: ref(refs, 'Patient'),
        encounter: ref(refs, 'Encounter'),
        effectiveDateTime: '2024-03-01T09:10:00Z',
        valueQuantity: { value: 71.5, unit: 'kg', system: 'http://unitsofmeasure.org', code: 'kg' },
      };
    case 'MedicationRequest':
      return {
        resourceType: type,
        status: 'active',
        intent: 'order',
        medicationCodeableConcept: { coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '314076', display: 'lisinopril 10 MG Oral Tablet' }] },
        subject: ref(refs, 'Patient'),
        encounter: ref(refs, 'Encounter'),
        authoredOn: '2024-03-01T09:20:00Z',
        requester: ref(refs, 'Practitioner'),
      };
    case 'Claim':
      return {
        ...claimCore(type, refs),
        provider: ref(refs, 'Organization'),
        priority: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/processpriority', code: 'normal' }] },
        prescription: ref(refs, 'MedicationRequest'),
        insurance: [{ sequence: 1, focal: true, coverage: { display: 'Self-pay' } }],
      };
    case 'ExplanationOfBenefit':
      return {
        ...claimCore(type, refs),
        insurer: { display: 'Self-pay' },
        provider: ref(refs, 'Practitioner'),
        claim: ref(refs, 'Claim'),
        outcome: 'complete',
        careTeam: [{ sequence: 1, provider: ref(refs, 'Practitioner') }],
        insurance: [{ focal: true, coverage: { display: 'Self-pay' } }],
      };
  }
}

/** The change an update makes (as in the HealthSamurai scenario: one field per type). */
export function change(resource: Record<string, unknown>): Record<string, unknown> {
  switch (resource.resourceType) {
    case 'Patient':
    case 'Practitioner':
      return { ...resource, gender: resource.gender === 'unknown' ? 'other' : 'unknown' };
    case 'Location':
    case 'Organization':
      return { ...resource, name: `${String(resource.name)}-${Date.now()}` };
    case 'Encounter':
      return { ...resource, status: resource.status === 'planned' ? 'in-progress' : 'planned' };
    case 'MedicationRequest':
      return { ...resource, status: resource.status === 'on-hold' ? 'draft' : 'on-hold' };
    case 'Observation':
      return { ...resource, issued: now() };
    default:
      return { ...resource, created: now() };
  }
}
