import { describe, expect, it } from 'vitest';
import { extractIndexRows } from '../../../src/fhir/indexing/extract.js';
import type { CompositeRow } from '../../../src/fhir/indexing/index-rows.js';
import { plansFor } from '../../../src/fhir/indexing/param-plans.js';

const ucum = 'http://unitsofmeasure.org';
const token = (system: string, value: string, display: string | null = null) =>
  ({ type: 'token', system, value, display, typeSystem: null, typeCode: null }) as const;
// UCUM quantities carry their canonical form too (fhir/terminology/ucum-index.ts).
const qty = (value: number, low: number, high: number, unit: string) =>
  ({ type: 'quantity', value, low, high, system: ucum, unit, canonical: expect.objectContaining({ value: expect.any(Number) }) }) as const;

function composite(rows: { composite: CompositeRow[] }, code: string): CompositeRow['components'][] {
  return rows.composite.filter((r) => r.code === code).map((r) => r.components);
}

const bloodPressure = {
  resourceType: 'Observation',
  status: 'final',
  code: { coding: [{ system: 'http://loinc.org', code: '85354-9' }], text: 'Blood pressure panel' },
  subject: { reference: 'Patient/1' },
  component: [
    {
      code: { coding: [{ system: 'http://loinc.org', code: '8480-6', display: 'Systolic' }] },
      valueQuantity: { value: 120, unit: 'mmHg', system: ucum, code: 'mm[Hg]' },
    },
    {
      code: { coding: [{ system: 'http://loinc.org', code: '8462-4', display: 'Diastolic' }] },
      valueQuantity: { value: 80, unit: 'mmHg', system: ucum, code: 'mm[Hg]' },
    },
  ],
};

const glucose = {
  resourceType: 'Observation',
  status: 'final',
  code: { coding: [{ system: 'http://loinc.org', code: '15074-8' }, { system: 'http://acme.org', code: 'GLU' }] },
  subject: { reference: 'Patient/1' },
  valueQuantity: { value: 6.3, unit: 'mmol/l', system: ucum, code: 'mmol/L' },
};

describe('composite rows', () => {
  it('code-value-quantity pairs each code with the value on the same Observation', () => {
    expect(composite(extractIndexRows(glucose), 'code-value-quantity')).toEqual([
      [token('http://loinc.org', '15074-8'), qty(6.3, 6.25, 6.35, 'mmol/L')],
      [token('http://acme.org', 'GLU'), qty(6.3, 6.25, 6.35, 'mmol/L')],
    ]);
  });

  it('component-code-value-quantity keeps each component code with its own value', () => {
    const rows = extractIndexRows(bloodPressure);
    expect(composite(rows, 'component-code-value-quantity')).toEqual([
      [token('http://loinc.org', '8480-6', 'Systolic'), qty(120, 119.5, 120.5, 'mm[Hg]')],
      [token('http://loinc.org', '8462-4', 'Diastolic'), qty(80, 79.5, 80.5, 'mm[Hg]')],
    ]);
    // The panel itself has no value, so it yields no code-value-quantity row.
    expect(composite(rows, 'code-value-quantity')).toEqual([]);
    // combo-* covers both the Observation and its components.
    expect(composite(rows, 'combo-code-value-quantity')).toHaveLength(2);
    expect(composite(extractIndexRows(glucose), 'combo-code-value-quantity')).toHaveLength(2);
  });

  it('code-value-date reads valueDateTime despite R4 spelling it `as(DateTime)`', () => {
    const obs = { ...glucose, valueQuantity: undefined, valueDateTime: '2020-03-04' };
    expect(composite(extractIndexRows(obs), 'code-value-date')).toEqual([
      [token('http://loinc.org', '15074-8'), { type: 'date', low: '2020-03-04T00:00:00.000Z', high: '2020-03-04T23:59:59.999Z' }],
      [token('http://acme.org', 'GLU'), { type: 'date', low: '2020-03-04T00:00:00.000Z', high: '2020-03-04T23:59:59.999Z' }],
    ]);
    expect(plansFor('Observation').plans.find((p) => p.def.code === 'code-value-date')?.engine).toBe('fast');
  });

  it('context-type-quantity pairs each useContext code with its quantity or range', () => {
    const lib = {
      resourceType: 'Library',
      status: 'active',
      type: { text: 'logic-library' },
      useContext: [
        { code: { system: 'http://terminology.hl7.org/CodeSystem/usage-context-type', code: 'age' }, valueRange: { low: { value: 12, code: 'a', system: ucum } } },
        { code: { system: 'http://terminology.hl7.org/CodeSystem/usage-context-type', code: 'focus' }, valueCodeableConcept: { text: 'x' } },
      ],
    };
    expect(composite(extractIndexRows(lib), 'context-type-quantity')).toEqual([
      [
        token('http://terminology.hl7.org/CodeSystem/usage-context-type', 'age'),
        { type: 'quantity', value: null, low: 12, high: null, system: ucum, unit: 'a', canonical: { value: null, low: 12 * 31_557_600, high: null, unit: 's' } },
      ],
    ]);
  });

  it('evaluates %resource components with fhirpath.js (MolecularSequence)', () => {
    const seq = {
      resourceType: 'MolecularSequence',
      coordinateSystem: 0,
      referenceSeq: { chromosome: { coding: [{ system: 'http://loinc.org', code: 'LA21254-0' }] }, windowStart: 1, windowEnd: 9 },
      variant: [{ start: 3, end: 4 }],
    };
    expect(composite(extractIndexRows(seq), 'chromosome-variant-coordinate')).toEqual([
      [
        token('http://loinc.org', 'LA21254-0'),
        { type: 'number', value: 3, low: 2.5, high: 3.5 },
        { type: 'number', value: 4, low: 3.5, high: 4.5 },
      ],
    ]);
    expect(plansFor('MolecularSequence').plans.find((p) => p.def.code === 'chromosome-variant-coordinate')?.engine).toBe('fhirpath');
  });
});
