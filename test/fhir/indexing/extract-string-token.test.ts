import { describe, expect, it } from 'vitest';
import { extractIndexRows } from '../../../src/fhir/indexing/extract.js';
import { extract, rowsOf } from './helpers.js';

const patient = {
  resourceType: 'Patient',
  id: 'p1',
  meta: {
    lastUpdated: '2024-05-06T07:08:09.123Z',
    tag: [{ system: 'http://example.org/tags', code: 'vip' }],
    security: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality', code: 'R' }],
  },
  active: true,
  identifier: [
    {
      type: {
        coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'MR' }],
        text: 'Medical Record Number',
      },
      system: 'http://hospital.example.org',
      value: 'MRN-7',
    },
    { system: 'http://hl7.org/fhir/sid/us-ssn', value: '999-48-3676' },
  ],
  name: [
    { use: 'official', family: 'Núñez', given: ['José', 'María'], prefix: ['Dr.'] },
    { use: 'nickname', given: ['Pepe'] },
  ],
  telecom: [
    { system: 'phone', value: '555-0100', use: 'home' },
    { system: 'email', value: 'jose@example.org' },
  ],
  gender: 'male',
  address: [{ line: ['1 Rue de l’Église'], city: 'Québec', state: 'QC', postalCode: 'G1R 4P5', country: 'CA' }],
  communication: [{ language: { coding: [{ system: 'urn:ietf:bcp:47', code: 'fr-CA', display: 'French (Canada)' }], text: 'Français' } }],
};

describe('string rows', () => {
  it('index each HumanName part, normalized, so name matches family or given', () => {
    expect(extract(patient, 'string', 'name')).toEqual([
      { value: 'nunez', exact: 'Núñez' },
      { value: 'jose', exact: 'José' },
      { value: 'maria', exact: 'María' },
      { value: 'dr.', exact: 'Dr.' },
      { value: 'pepe', exact: 'Pepe' },
    ]);
    expect(extract(patient, 'string', 'family')).toEqual([{ value: 'nunez', exact: 'Núñez' }]);
    expect(extract(patient, 'string', 'given')).toEqual([
      { value: 'jose', exact: 'José' },
      { value: 'maria', exact: 'María' },
      { value: 'pepe', exact: 'Pepe' },
    ]);
  });

  it('index each Address part', () => {
    expect(extract(patient, 'string', 'address').map((r) => r.exact)).toEqual([
      '1 Rue de l’Église',
      'Québec',
      'QC',
      'G1R 4P5',
      'CA',
    ]);
    expect(extract(patient, 'string', 'address-city')).toEqual([{ value: 'quebec', exact: 'Québec' }]);
  });

  it('index plain strings and CodeableConcept.text for Observation value-string', () => {
    const obs = { resourceType: 'Observation', status: 'final', code: { text: 'x' }, valueCodeableConcept: { text: 'Positive' } };
    expect(extract(obs, 'string', 'value-string')).toEqual([{ value: 'positive', exact: 'Positive' }]);
    const obs2 = { ...obs, valueCodeableConcept: undefined, valueString: 'Trace Amount' };
    expect(extract(obs2, 'string', 'value-string')).toEqual([{ value: 'trace amount', exact: 'Trace Amount' }]);
  });
});

describe('token rows', () => {
  const none = { display: null, typeSystem: null, typeCode: null };

  it('index Identifier system/value with each type coding (for :of-type) and type.text', () => {
    expect(extract(patient, 'token', 'identifier')).toEqual([
      {
        system: 'http://hospital.example.org',
        value: 'MRN-7',
        display: 'Medical Record Number',
        typeSystem: 'http://terminology.hl7.org/CodeSystem/v2-0203',
        typeCode: 'MR',
      },
      { system: 'http://hl7.org/fhir/sid/us-ssn', value: '999-48-3676', ...none },
    ]);
  });

  it('index each coding of a CodeableConcept plus its text alone (for :text)', () => {
    expect(extract(patient, 'token', 'language')).toEqual([
      { system: 'urn:ietf:bcp:47', value: 'fr-CA', ...none, display: 'French (Canada)' },
      { system: null, value: null, ...none, display: 'Français' },
    ]);
  });

  it('index ContactPoint values, filtered by kind for phone/email', () => {
    expect(extract(patient, 'token', 'phone')).toEqual([{ system: null, value: '555-0100', ...none }]);
    expect(extract(patient, 'token', 'email')).toEqual([{ system: null, value: 'jose@example.org', ...none }]);
    expect(extract(patient, 'token', 'telecom').map((r) => r.value)).toEqual(['555-0100', 'jose@example.org']);
  });

  it('index code and boolean primitives', () => {
    expect(extract(patient, 'token', 'gender')).toEqual([{ system: null, value: 'male', ...none }]);
    expect(extract(patient, 'token', 'active')).toEqual([{ system: null, value: 'true', ...none }]);
    // Evaluated by fhirpath.js (not a plain path): false when deceased[x] is absent.
    expect(extract(patient, 'token', 'deceased')).toEqual([{ system: null, value: 'false', ...none }]);
    expect(extract({ ...patient, deceasedDateTime: '2020-01-01' }, 'token', 'deceased')).toEqual([
      { system: null, value: 'true', ...none },
    ]);
  });

  it('index the common Resource parameters', () => {
    const rows = extractIndexRows(patient);
    expect(rowsOf(rows, 'token', '_id')).toEqual([{ system: null, value: 'p1', ...none }]);
    expect(rowsOf(rows, 'token', '_tag')).toEqual([{ system: 'http://example.org/tags', value: 'vip', ...none }]);
    expect(rowsOf(rows, 'token', '_security')).toEqual([
      { system: 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality', value: 'R', ...none },
    ]);
    expect(rowsOf(rows, 'date', '_lastUpdated')).toEqual([
      { low: '2024-05-06T07:08:09.123Z', high: '2024-05-06T07:08:09.123Z' },
    ]);
  });

  it('deduplicates identical rows of one parameter', () => {
    const cond = {
      resourceType: 'Condition',
      subject: { reference: 'Patient/p1' },
      category: [
        { coding: [{ system: 'http://s', code: 'a' }] },
        { coding: [{ system: 'http://s', code: 'a' }] },
      ],
    };
    expect(extract(cond, 'token', 'category')).toEqual([{ system: 'http://s', value: 'a', ...none }]);
  });
});
