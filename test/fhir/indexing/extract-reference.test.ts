import { describe, expect, it } from 'vitest';
import { extractIndexRows } from '../../../src/fhir/indexing/extract.js';
import { extract, rowsOf } from './helpers.js';

const noIdent = { identifierSystem: null, identifierValue: null };
const local = (targetType: string, targetId: string) => ({ targetType, targetId, url: null, ...noIdent });
const url = (u: string) => ({ targetType: null, targetId: null, url: u, ...noIdent });

function observation(subject: object, extra: object = {}) {
  return { resourceType: 'Observation', status: 'final', code: { text: 'x' }, subject, ...extra };
}

describe('reference rows', () => {
  it('split relative references and drop the history version', () => {
    expect(extract(observation({ reference: 'Patient/123' }), 'reference', 'subject')).toEqual([local('Patient', '123')]);
    expect(extract(observation({ reference: 'Patient/123/_history/4' }), 'reference', 'subject')).toEqual([
      local('Patient', '123'),
    ]);
  });

  it('keep absolute, urn:uuid and contained references whole in url', () => {
    expect(extract(observation({ reference: 'http://other.org/fhir/Patient/9' }), 'reference', 'subject')).toEqual([
      url('http://other.org/fhir/Patient/9'),
    ]);
    expect(extract(observation({ reference: 'urn:uuid:0c3151bd-1cbf-4d64-b04d-cd9187a4c6e0' }), 'reference', 'subject')).toEqual([
      url('urn:uuid:0c3151bd-1cbf-4d64-b04d-cd9187a4c6e0'),
    ]);
    expect(extract(observation({ reference: '#p1' }), 'reference', 'subject')).toEqual([url('#p1')]);
  });

  it('keep Reference.identifier for :identifier', () => {
    const obs = observation({ identifier: { system: 'http://hospital.example.org', value: 'MRN-7' }, type: 'Patient' });
    expect(extract(obs, 'reference', 'subject')).toEqual([
      { targetType: 'Patient', targetId: null, url: null, identifierSystem: 'http://hospital.example.org', identifierValue: 'MRN-7' },
    ]);
  });

  it('strip the version of a canonical', () => {
    const q = {
      resourceType: 'QuestionnaireResponse',
      status: 'completed',
      questionnaire: 'http://example.org/Questionnaire/phq-9|3.1',
    };
    expect(extract(q, 'reference', 'questionnaire')).toEqual([url('http://example.org/Questionnaire/phq-9')]);
  });

  it('index a canonical and a Reference of the same parameter', () => {
    const plan = {
      resourceType: 'PlanDefinition',
      status: 'active',
      library: ['http://example.org/Library/lib|1.0'],
      relatedArtifact: [{ type: 'depends-on', resource: 'http://example.org/Library/other' }, { type: 'citation', resource: 'http://example.org/x' }],
    };
    expect(extract(plan, 'reference', 'depends-on')).toEqual([
      url('http://example.org/Library/other'),
      url('http://example.org/Library/lib'),
    ]);
  });
});

describe('Observation.patient (`subject.where(resolve() is Patient)`)', () => {
  it('indexes Patient/123 under both patient and subject', () => {
    const rows = extractIndexRows(observation({ reference: 'Patient/123' }));
    expect(rowsOf(rows, 'reference', 'patient')).toEqual([local('Patient', '123')]);
    expect(rowsOf(rows, 'reference', 'subject')).toEqual([local('Patient', '123')]);
  });

  it('counts absolute and versioned Patient URLs as patients', () => {
    expect(extract(observation({ reference: 'http://x.org/fhir/Patient/1' }), 'reference', 'patient')).toEqual([
      url('http://x.org/fhir/Patient/1'),
    ]);
    expect(extract(observation({ reference: 'Patient/1/_history/2' }), 'reference', 'patient')).toEqual([local('Patient', '1')]);
  });

  it('does not count other target types', () => {
    expect(extract(observation({ reference: 'Group/7' }), 'reference', 'patient')).toEqual([]);
    expect(extract(observation({ reference: 'http://x.org/fhir/Device/1' }), 'reference', 'patient')).toEqual([]);
    expect(extract(observation({ reference: 'Group/7' }), 'reference', 'subject')).toEqual([local('Group', '7')]);
  });

  it('resolves contained references by the contained resource type', () => {
    const contained = [{ resourceType: 'Patient', id: 'p1' }, { resourceType: 'Group', id: 'g1', type: 'person', actual: true }];
    expect(extract(observation({ reference: '#p1' }, { contained }), 'reference', 'patient')).toEqual([url('#p1')]);
    expect(extract(observation({ reference: '#g1' }, { contained }), 'reference', 'patient')).toEqual([]);
  });

  it('falls back to Reference.type when the reference does not show it', () => {
    expect(extract(observation({ reference: 'urn:uuid:1', type: 'Patient' }), 'reference', 'patient')).toEqual([url('urn:uuid:1')]);
    expect(extract(observation({ reference: 'urn:uuid:1' }), 'reference', 'patient')).toEqual([]);
  });

  it('applies to the other resolve() forms (Encounter practitioner, AuditEvent patient)', () => {
    const enc = {
      resourceType: 'Encounter',
      status: 'finished',
      class: { code: 'AMB' },
      participant: [{ individual: { reference: 'Practitioner/dr1' } }, { individual: { reference: 'RelatedPerson/r1' } }],
    };
    expect(extract(enc, 'reference', 'practitioner')).toEqual([local('Practitioner', 'dr1')]);
    const audit = {
      resourceType: 'AuditEvent',
      type: { code: 'rest' },
      recorded: '2020-01-01T00:00:00Z',
      agent: [{ who: { reference: 'Patient/a' }, requestor: true }, { who: { reference: 'Practitioner/b' }, requestor: false }],
      entity: [{ what: { reference: 'Patient/c' } }],
      source: { observer: { reference: 'Device/d' } },
    };
    expect(extract(audit, 'reference', 'patient')).toEqual([local('Patient', 'a'), local('Patient', 'c')]);
  });
});

describe('uri rows', () => {
  it('index uri, url and canonical values as written', () => {
    const vs = {
      resourceType: 'ValueSet',
      status: 'active',
      url: 'http://example.org/ValueSet/colors',
      meta: { profile: ['http://hl7.org/fhir/StructureDefinition/shareablevalueset|4.0.1'], source: 'urn:system:a' },
    };
    const rows = extractIndexRows(vs);
    expect(rowsOf(rows, 'uri', 'url')).toEqual([{ value: 'http://example.org/ValueSet/colors' }]);
    expect(rowsOf(rows, 'uri', '_profile')).toEqual([{ value: 'http://hl7.org/fhir/StructureDefinition/shareablevalueset|4.0.1' }]);
    expect(rowsOf(rows, 'uri', '_source')).toEqual([{ value: 'urn:system:a' }]);
  });
});
