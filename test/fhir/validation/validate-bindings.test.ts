import { describe, expect, it } from 'vitest';
import { checkCoding } from '../../../src/fhir/validation/check-binding.js';
import type { CompiledValueSet } from '../../../src/fhir/validation/compiled-rules.js';
import { IssueCollector } from '../../../src/fhir/validation/issues.js';
import { validateResource } from '../../../src/fhir/validation/validate.js';
import { expectOneIssue, expectValid, observation, patient } from './helpers.js';

describe('required bindings on code', () => {
  it('Patient.gender is male | female | other | unknown', () => {
    for (const g of ['male', 'female', 'other', 'unknown']) expectValid(patient({ gender: g }));
    const issue = expectOneIssue(patient({ gender: 'boy' }), 'code-invalid', 'Patient.gender');
    expect(issue.diagnostics).toContain('administrative-gender');
    expect(issue.diagnostics).toContain('male | female | other | unknown');
  });

  it('Observation.status uses the ObservationStatus codes', () => {
    for (const s of ['registered', 'preliminary', 'final', 'amended', 'corrected', 'cancelled', 'entered-in-error', 'unknown']) {
      expectValid(observation({ status: s }));
    }
    expectOneIssue(observation({ status: 'done' }), 'code-invalid', 'Observation.status');
    expectOneIssue(observation({ status: 'Final' }), 'code-invalid', 'Observation.status');
  });

  it('applies inside datatypes and backbone elements', () => {
    expectOneIssue(patient({ telecom: [{ system: 'carrier-pigeon', value: '1' }] }), 'code-invalid', 'Patient.telecom[0].system');
    expectOneIssue(observation({ valueQuantity: { value: 1, comparator: '=' } }), 'code-invalid', 'Observation.valueQuantity.comparator');
    expectOneIssue(patient({ link: [{ other: { reference: 'Patient/2' }, type: 'same' }] }), 'code-invalid', 'Patient.link[0].type');
  });

  it('expands nested concepts and value sets built from several code systems', () => {
    // event-timing draws from v3-TimingEvent (AC, PC, ...) and event-timing (MORN, ...).
    const timing = (when: string) => observation({ effectiveTiming: { repeat: { when: [when] } } });
    expectValid(timing('MORN'));
    expectValid(timing('ACM'));
    expectOneIssue(timing('LUNCH'), 'code-invalid', 'Observation.effectiveTiming.repeat.when[0]');
  });

  it('enforces explicit concept lists even from external systems (units-of-time)', () => {
    const timing = (unit: string) => observation({ effectiveTiming: { repeat: { period: 1, periodUnit: unit } } });
    expectValid(timing('wk'));
    expectOneIssue(timing('week'), 'code-invalid', 'Observation.effectiveTiming.repeat.periodUnit');
  });

  it('does not enforce value sets that need a terminology server', () => {
    // Attachment.contentType is bound (required) to MIME types: a grammar, not a list.
    expectValid({ resourceType: 'Binary', contentType: 'application/x-anything' });
    // Money.currency: ISO 4217, not in the package.
    expectValid({ resourceType: 'Account', status: 'active', extension: [{ url: 'http://e', valueMoney: { value: 1, currency: 'ZZZ' } }] });
  });
});

describe('required bindings on CodeableConcept and Coding', () => {
  const CLINICAL = 'http://terminology.hl7.org/CodeSystem/condition-clinical';
  const condition = (clinicalStatus: unknown) => ({ resourceType: 'Condition', subject: { reference: 'Patient/1' }, clinicalStatus });

  it('accept a coding from the value set, text only, or other systems', () => {
    expectValid(condition({ coding: [{ system: CLINICAL, code: 'active' }] }));
    expectValid(condition({ text: 'active' }));
    expectValid(condition({ coding: [{ system: 'http://snomed.info/sct', code: '55561003' }] }));
    expectValid(condition({ coding: [{ system: CLINICAL, code: 'nope' }, { system: CLINICAL, code: 'remission' }] }));
  });

  it('reject a coding with the value set system and an unknown code', () => {
    const issues = validateResource(condition({ coding: [{ system: 'http://snomed.info/sct', code: 'x' }, { system: CLINICAL, code: 'cured' }] }));
    expect(issues).toMatchObject([{ code: 'code-invalid', expression: ['Condition.clinicalStatus.coding[1].code'] }]);
  });

  it('check a Coding by its system (R4 core binds none; exercised directly)', () => {
    const vs: CompiledValueSet = { url: 'http://example.org/vs', all: new Set(['a']), bySystem: new Map([['http://s', new Set(['a'])]]) };
    const run = (coding: object) => {
      const out = new IssueCollector();
      checkCoding(coding, vs, 'X.coding', out);
      return out.issues.map((i) => i.expression?.[0]);
    };
    expect(run({ system: 'http://s', code: 'a' })).toEqual([]);
    expect(run({ system: 'http://other', code: 'b' })).toEqual([]);
    expect(run({ code: 'b' })).toEqual([]);
    expect(run({ system: 'http://s', code: 'b' })).toEqual(['X.coding.code']);
  });
});
