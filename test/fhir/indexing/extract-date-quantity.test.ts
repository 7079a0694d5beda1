import { describe, expect, it } from 'vitest';
import { extract } from './helpers.js';

describe('date rows', () => {
  it('cover the precision of a date', () => {
    const p = (birthDate: string) => extract({ resourceType: 'Patient', birthDate }, 'date', 'birthdate');
    expect(p('1970')).toEqual([{ low: '1970-01-01T00:00:00.000Z', high: '1970-12-31T23:59:59.999Z' }]);
    expect(p('1970-02')).toEqual([{ low: '1970-02-01T00:00:00.000Z', high: '1970-02-28T23:59:59.999Z' }]);
    expect(p('1972-02-29')).toEqual([{ low: '1972-02-29T00:00:00.000Z', high: '1972-02-29T23:59:59.999Z' }]);
    expect(p('not a date')).toEqual([]);
  });

  it('convert dateTimes with a zone to UTC, at second precision', () => {
    const obs = { resourceType: 'Observation', status: 'final', code: { text: 'x' }, effectiveDateTime: '2011-12-28T20:04:43+01:00' };
    expect(extract(obs, 'date', 'date')).toEqual([{ low: '2011-12-28T19:04:43.000Z', high: '2011-12-28T19:04:43.999Z' }]);
  });

  it('span a Period, with open ends unbounded', () => {
    const enc = (period: object) =>
      extract({ resourceType: 'Encounter', status: 'finished', class: { code: 'AMB' }, period }, 'date', 'date');
    expect(enc({ start: '2020-01-01T10:00:00Z', end: '2020-01-02' })).toEqual([
      { low: '2020-01-01T10:00:00.000Z', high: '2020-01-02T23:59:59.999Z' },
    ]);
    expect(enc({ start: '2020-01-01' })).toEqual([{ low: '2020-01-01T00:00:00.000Z', high: 'infinity' }]);
    expect(enc({ end: '2020-01' })).toEqual([{ low: '-infinity', high: '2020-01-31T23:59:59.999Z' }]);
    expect(enc({})).toEqual([]);
  });

  it('span the events and bounds of a Timing', () => {
    const req = {
      resourceType: 'CarePlan',
      status: 'active',
      intent: 'plan',
      subject: { reference: 'Patient/1' },
      activity: [
        {
          detail: {
            status: 'scheduled',
            scheduledTiming: {
              event: ['2020-05-03T09:00:00Z', '2020-05-01'],
              repeat: { boundsPeriod: { start: '2020-04-30', end: '2020-05-02' } },
            },
          },
        },
      ],
    };
    expect(extract(req, 'date', 'activity-date')).toEqual([
      { low: '2020-04-30T00:00:00.000Z', high: '2020-05-03T09:00:00.999Z' },
    ]);
  });

  it('index choice-typed dates only for the listed types (Condition onset-date)', () => {
    const cond = (onset: object) => extract({ resourceType: 'Condition', subject: { reference: 'Patient/1' }, ...onset }, 'date', 'onset-date');
    expect(cond({ onsetDateTime: '2019-06' })).toEqual([{ low: '2019-06-01T00:00:00.000Z', high: '2019-06-30T23:59:59.999Z' }]);
    expect(cond({ onsetPeriod: { start: '2019-06-01' } })).toEqual([{ low: '2019-06-01T00:00:00.000Z', high: 'infinity' }]);
    expect(cond({ onsetString: 'childhood' })).toEqual([]);
  });
});

describe('number rows', () => {
  it('carry the implicit precision range', () => {
    const ra = {
      resourceType: 'RiskAssessment',
      status: 'final',
      subject: { reference: 'Patient/1' },
      prediction: [{ probabilityDecimal: 0.25 }, { probabilityDecimal: 100 }, { probabilityRange: { low: { value: 1 } } }],
    };
    expect(extract(ra, 'number', 'probability')).toEqual([
      { value: 0.25, low: 0.245, high: 0.255 },
      { value: 100, low: 99.5, high: 100.5 },
    ]);
  });

  it('index integers', () => {
    const ms = { resourceType: 'MolecularSequence', coordinateSystem: 0, variant: [{ start: 128, end: 129 }] };
    expect(extract(ms, 'number', 'variant-start')).toEqual([{ value: 128, low: 127.5, high: 128.5 }]);
  });
});

describe('quantity rows', () => {
  const obs = (value: object) => ({ resourceType: 'Observation', status: 'final', code: { text: 'x' }, ...value });

  it('index value, precision range, system and coded unit', () => {
    const o = obs({ valueQuantity: { value: 5.4, unit: 'mmol/L', system: 'http://unitsofmeasure.org', code: 'mmol/L' } });
    expect(extract(o, 'quantity', 'value-quantity')).toEqual([
      // UCUM counts a mole (6.0221367e23) and a litre in base units: mmol/L is a number per m³.
      { value: 5.4, low: 5.35, high: 5.45, system: 'http://unitsofmeasure.org', unit: 'mmol/L', canonical: expect.objectContaining({ unit: 'm-3' }) },
    ]);
    const noCode = obs({ valueQuantity: { value: 7, unit: 'tablets' } });
    expect(extract(noCode, 'quantity', 'value-quantity')).toEqual([{ value: 7, low: 6.5, high: 7.5, system: null, unit: 'tablets' }]);
  });

  it('turn a comparator into an open bound', () => {
    const o = obs({ valueQuantity: { value: 5, comparator: '<', code: 'g', system: 'http://unitsofmeasure.org' } });
    expect(extract(o, 'quantity', 'value-quantity')).toEqual([
      { value: 5, low: null, high: 5, system: 'http://unitsofmeasure.org', unit: 'g', canonical: { value: 5, low: null, high: 5, unit: 'g' } },
    ]);
  });

  it('skip SampledData', () => {
    const o = obs({ valueSampledData: { origin: { value: 0 }, period: 1, dimensions: 1, data: '1 2 3' } });
    expect(extract(o, 'quantity', 'value-quantity')).toEqual([]);
  });

  it('index Age, and a Range by its ends', () => {
    const cond = (onset: object) => extract({ resourceType: 'Condition', subject: { reference: 'Patient/1' }, ...onset }, 'quantity', 'onset-age');
    expect(cond({ onsetAge: { value: 52, unit: 'years', system: 'http://unitsofmeasure.org', code: 'a' } })).toEqual([
      // The UCUM year (a) is 365.25 days of seconds.
      { value: 52, low: 51.5, high: 52.5, system: 'http://unitsofmeasure.org', unit: 'a', canonical: { value: 52 * 31_557_600, low: 51.5 * 31_557_600, high: 52.5 * 31_557_600, unit: 's' } },
    ]);
    expect(cond({ onsetRange: { low: { value: 40, code: 'a', system: 'http://unitsofmeasure.org' }, high: { value: 50, code: 'a' } } })).toEqual([
      { value: null, low: 40, high: 50, system: 'http://unitsofmeasure.org', unit: 'a', canonical: { value: null, low: 40 * 31_557_600, high: 50 * 31_557_600, unit: 's' } },
    ]);
    expect(cond({ onsetRange: { high: { value: 5, code: 'a' } } })).toEqual([{ value: null, low: null, high: 5, system: null, unit: 'a' }]);
  });

  it('index Money with its ISO 4217 currency', () => {
    const inv = { resourceType: 'Invoice', status: 'issued', totalNet: { value: 40.22, currency: 'EUR' } };
    expect(extract(inv, 'quantity', 'totalnet')).toEqual([
      { value: 40.22, low: 40.215, high: 40.225, system: 'urn:iso:std:iso:4217', unit: 'EUR' },
    ]);
  });
});
