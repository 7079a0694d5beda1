import { describe, expect, it } from 'vitest';
import { validateResource } from '../../../src/fhir/validation/validate.js';
import { expectOneIssue, expectValid, observation, patient } from './helpers.js';

/** Per primitive type: how to place a value in a resource, where it lands, and sample values. */
const cases: { type: string; build: (v: unknown) => unknown; path: string; good: unknown[]; bad: unknown[] }[] = [
  {
    type: 'date',
    build: (v) => patient({ birthDate: v }),
    path: 'Patient.birthDate',
    good: ['2020', '2020-02', '2020-02-29', '0001-01-01'],
    bad: ['2020-13', '2020-02-32', '20200101', '2020-1-1', '2020-01-01T00:00:00Z', '0000', ' 2020'],
  },
  {
    type: 'dateTime',
    build: (v) => observation({ effectiveDateTime: v }),
    path: 'Observation.effectiveDateTime',
    good: ['2020', '2020-01', '2020-01-01', '2020-01-01T10:11:12Z', '2020-01-01T10:11:12.345+14:00', '2020-01-01T23:59:60-03:00'],
    bad: ['2020-01-01T10:11:12', '2020-01-01T10:11Z', '2020-01-01T24:00:00Z', '2020-01-01T10:11:12+15:00', 'today'],
  },
  {
    type: 'instant',
    build: (v) => observation({ issued: v }),
    path: 'Observation.issued',
    good: ['2015-02-07T13:28:17.239+02:00', '2015-02-07T13:28:17Z'],
    bad: ['2015-02-07', '2015-02-07T13:28:17', '2015-02-07T13:28Z'],
  },
  {
    type: 'time',
    build: (v) => observation({ valueTime: v }),
    path: 'Observation.valueTime',
    good: ['00:00:00', '23:59:59.999'],
    bad: ['24:00:00', '10:00', '10:00:00Z'],
  },
  {
    type: 'id',
    build: (v) => patient({ id: v }),
    path: 'Patient.id',
    good: ['a', 'A-1.b', 'x'.repeat(64)],
    bad: ['a_b', 'a b', 'x'.repeat(65), 'é'],
  },
  {
    type: 'uri',
    build: (v) => patient({ implicitRules: v }),
    path: 'Patient.implicitRules',
    good: ['http://example.org/a?b=c', 'urn:uuid:x', 'relative/path'],
    bad: ['http://example.org/a b', 'tab\there'],
  },
  {
    type: 'decimal',
    build: (v) => observation({ valueQuantity: { value: v } }),
    path: 'Observation.valueQuantity.value',
    good: [0, -1.5, 1e21, 3.14159],
    bad: ['1.5', true],
  },
  {
    type: 'integer',
    build: (v) => observation({ valueInteger: v }),
    path: 'Observation.valueInteger',
    good: [0, -5, 2147483647, -2147483648],
    bad: [1.5, 2147483648, '1'],
  },
  {
    type: 'positiveInt',
    build: (v) => ({
      resourceType: 'ImmunizationRecommendation',
      patient: { reference: 'Patient/1' },
      date: '2020',
      recommendation: [{ targetDisease: { text: 'x' }, forecastStatus: { text: 'x' }, seriesDosesPositiveInt: v }],
    }),
    path: 'ImmunizationRecommendation.recommendation[0].seriesDosesPositiveInt',
    good: [1, 10],
    bad: [0, -1, 1.5, '1'],
  },
  {
    type: 'unsignedInt',
    build: (v) => ({ resourceType: 'Bundle', type: 'searchset', total: v }),
    path: 'Bundle.total',
    good: [0, 5],
    bad: [-1, 1.5, '0'],
  },
  {
    type: 'boolean',
    build: (v) => patient({ active: v }),
    path: 'Patient.active',
    good: [true, false],
    bad: ['true', 1, 'yes'],
  },
  {
    type: 'base64Binary',
    build: (v) => ({ resourceType: 'Binary', contentType: 'text/plain', data: v }),
    path: 'Binary.data',
    good: ['SGVsbG8=', 'SGVs\nbG8=', 'AAAA BBBB'],
    bad: ['SGVsbG8', 'SG!s', 'AB CD'],
  },
  {
    type: 'oid',
    build: (v) => patient({ extension: [{ url: 'http://example.org/e', valueOid: v }] }),
    path: 'Patient.extension[0].valueOid',
    good: ['urn:oid:1.2.3.4', 'urn:oid:2.16.840.1.113883'],
    bad: ['1.2.3', 'urn:oid:3.1', 'urn:oid:1.02'],
  },
  {
    type: 'uuid',
    build: (v) => patient({ extension: [{ url: 'http://example.org/e', valueUuid: v }] }),
    path: 'Patient.extension[0].valueUuid',
    good: ['urn:uuid:c757873d-ec9a-4326-a141-556f43239520'],
    bad: ['c757873d-ec9a-4326-a141-556f43239520', 'urn:uuid:C757873D-EC9A-4326-A141-556F43239520'],
  },
  {
    type: 'code',
    build: (v) => patient({ language: v }),
    path: 'Patient.language',
    good: ['en-US', 'a b'],
    bad: [' en', 'en ', 'a  b'],
  },
];

describe.each(cases)('$type', ({ build, path, good, bad }) => {
  it.each(good.map((v) => [v]))('accepts %j', (v) => expectValid(build(v)));
  it.each(bad.map((v) => [v]))('rejects %j', (v) => {
    const issues = validateResource(build(v));
    expect(issues).toHaveLength(1);
    expect(issues[0]?.expression).toEqual([path]);
    expect(['value', 'structure']).toContain(issues[0]?.code);
  });
});

describe('strings', () => {
  it('reject empty strings for every string-based type', () => {
    expectOneIssue(patient({ name: [{ family: '' }] }), 'value', 'Patient.name[0].family');
    expectOneIssue(patient({ implicitRules: '' }), 'value', 'Patient.implicitRules');
    expectOneIssue(patient({ text: { status: 'generated', div: '' } }), 'value', 'Patient.text.div');
    expectOneIssue({ resourceType: 'Library', status: 'draft', type: { text: 't' }, description: '' }, 'value', 'Library.description');
  });

  it('use XSD whitespace: NBSP, form feed and line breaks are ordinary string content', () => {
    expectValid(patient({ name: [{ text: 'Jean\u00a0Dupont\f\r\n\t' }] }));
    expectValid(patient({ name: [{ text: '   ' }] }));
  });

  // Not timed (the machine may be slow): a backtracking regex on 20,000 lines would not finish
  // within the test timeout, so answering at all is the check; bench:validate measures the speed.
  it('keep primitive regexes linear on large bad input', () => {
    const data = `${'QUJD\n'.repeat(20_000)}!`;
    expectOneIssue({ resourceType: 'Binary', contentType: 'text/plain', data }, 'value', 'Binary.data');
  });
});

describe('integer elements', () => {
  it('accept 0 where the type is integer (Questionnaire.item.maxLength)', () => {
    expectValid({ resourceType: 'Questionnaire', status: 'draft', item: [{ linkId: '1', type: 'string', maxLength: 0 }] });
  });
});
