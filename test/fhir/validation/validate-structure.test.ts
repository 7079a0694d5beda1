import { describe, expect, it } from 'vitest';
import { validateResource } from '../../../src/fhir/validation/validate.js';
import { expectOneIssue, expectValid, issuePaths, observation, patient } from './helpers.js';

describe('valid resources', () => {
  it('accept minimal and typical resources', () => {
    expectValid(patient());
    expectValid(observation());
    expectValid(
      patient({
        id: 'p-1.a',
        meta: { lastUpdated: '2024-01-02T03:04:05.123Z', profile: ['http://example.org/p'] },
        name: [{ family: 'Chalmers', given: ['Peter', 'James'] }],
        gender: 'male',
        birthDate: '1974-12-25',
        deceasedBoolean: false,
        multipleBirthInteger: 2,
        extension: [{ url: 'http://example.org/ext', valueCodeableConcept: { text: 'x' } }],
        contact: [{ relationship: [{ text: 'friend' }], name: { text: 'A' } }],
      }),
    );
  });

  it('accept nested contentReference elements (Questionnaire.item.item)', () => {
    expectValid({
      resourceType: 'Questionnaire',
      status: 'active',
      item: [{ linkId: '1', type: 'group', item: [{ linkId: '1.1', type: 'string', item: [{ linkId: '1.1.1', type: 'display' }] }] }],
    });
  });
});

describe('element names and shapes', () => {
  it('reject unknown elements', () => {
    expectOneIssue(patient({ nickname: 'Pete' }), 'structure', 'Patient.nickname');
    expectOneIssue(patient({ name: [{ family: 'A', middle: 'B' }] }), 'structure', 'Patient.name[0].middle');
  });

  it('reject wrong JSON types', () => {
    expectOneIssue(patient({ active: 'true' }), 'structure', 'Patient.active');
    expectOneIssue(patient({ name: ['Peter'] }), 'structure', 'Patient.name[0]');
    expectOneIssue(patient({ multipleBirthInteger: '2' }), 'structure', 'Patient.multipleBirthInteger');
  });

  it('require arrays for repeating elements and forbid them for single ones', () => {
    const single = expectOneIssue(patient({ name: { family: 'A' } }), 'structure', 'Patient.name');
    expect(single.diagnostics).toMatch(/array/);
    expectOneIssue(patient({ gender: ['male'] }), 'structure', 'Patient.gender');
    expectOneIssue(patient({ name: [{ given: 'Peter' }] }), 'structure', 'Patient.name[0].given');
  });

  it('reject empty arrays, empty objects and nulls', () => {
    expectOneIssue(patient({ name: [] }), 'structure', 'Patient.name');
    expectOneIssue(patient({ maritalStatus: {} }), 'structure', 'Patient.maritalStatus');
    expectOneIssue(patient({ gender: null }), 'structure', 'Patient.gender');
    expectOneIssue(patient({ name: [{ given: ['A', null] }] }), 'structure', 'Patient.name[0].given[1]');
  });

  it('report missing required elements', () => {
    const issues = validateResource({ resourceType: 'Observation' });
    expect(issues.map((i) => [i.code, i.expression?.[0]])).toEqual([
      ['required', 'Observation.status'],
      ['required', 'Observation.code'],
    ]);
    expectOneIssue(patient({ link: [{ type: 'seealso' }] }), 'required', 'Patient.link[0].other');
    expectOneIssue(patient({ extension: [{ valueString: 'x' }] }), 'required', 'Patient.extension[0].url');
  });
});

describe('choice types', () => {
  it('accept each allowed type', () => {
    expectValid(observation({ valueQuantity: { value: 1.5, unit: 'kg' } }));
    expectValid(observation({ valueString: 'positive' }));
    expectValid(observation({ effectivePeriod: { start: '2020' } }));
  });

  it('reject two values for one choice element', () => {
    const issue = expectOneIssue(observation({ valueString: 'a', valueBoolean: true }), 'structure', 'Observation.valueBoolean');
    expect(issue.diagnostics).toContain('value[x]');
  });

  it('reject types not allowed by the definition', () => {
    const issue = expectOneIssue(observation({ valueUri: 'http://x' }), 'structure', 'Observation.valueUri');
    expect(issue.diagnostics).toBe(
      '"valueUri" is not an allowed type for Observation.value[x]: use one of valueQuantity, valueCodeableConcept, ' +
        'valueString, valueBoolean, valueInteger, valueRange, valueRatio, valueSampledData, valueTime, valueDateTime, valuePeriod',
    );
    expectOneIssue(observation({ value: 'x' }), 'structure', 'Observation.value');
  });

  it('satisfy a required choice with any variant and report the [x] name when absent', () => {
    expectValid({ resourceType: 'MedicationRequest', status: 'active', intent: 'order', subject: { reference: 'Patient/1' }, medicationCodeableConcept: { text: 'aspirin' } });
    expectOneIssue(
      { resourceType: 'MedicationRequest', status: 'active', intent: 'order', subject: { reference: 'Patient/1' } },
      'required',
      'MedicationRequest.medication[x]',
    );
  });
});

describe('primitive extensions', () => {
  const ext = { extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/data-absent-reason', valueCode: 'unknown' }] };

  it('allow _name next to or instead of a primitive', () => {
    expectValid(patient({ birthDate: '1970', _birthDate: ext }));
    expectValid(patient({ _birthDate: ext }));
    expectValid(observation({ _status: ext }));
    expectValid(patient({ name: [{ given: ['A', null], _given: [null, ext] }] }));
  });

  it('check the shape and content of _name', () => {
    expectOneIssue(patient({ _birthDate: 'x' }), 'structure', 'Patient._birthDate');
    expectOneIssue(patient({ _birthDate: { value: 1 } }), 'structure', 'Patient._birthDate.value');
    expectOneIssue(patient({ name: [{ given: ['A'], _given: [null, ext] }] }), 'structure', 'Patient.name[0]._given');
    expectOneIssue(patient({ _name: ext }), 'structure', 'Patient._name');
  });
});

describe('resources inside resources', () => {
  it('validate resourceType', () => {
    expectOneIssue({ gender: 'male' }, 'required', 'resourceType');
    expectOneIssue({ resourceType: 'Patientt' }, 'invalid', 'resourceType');
    expectOneIssue({ resourceType: 7 }, 'invalid', 'resourceType');
    expectOneIssue({ resourceType: 'HumanName' }, 'invalid', 'resourceType');
  });

  it('validate contained resources recursively', () => {
    expectValid(observation({ contained: [{ resourceType: 'Patient', id: 'p1' }], subject: { reference: '#p1' } }));
    expectOneIssue(observation({ contained: [{ resourceType: 'Patient', gender: 'boy' }] }), 'code-invalid', 'Observation.contained[0].gender');
    expectOneIssue(observation({ contained: [{ id: 'p1' }] }), 'required', 'Observation.contained[0].resourceType');
    expectOneIssue(observation({ contained: [{ resourceType: 'Nope' }] }), 'invalid', 'Observation.contained[0].resourceType');
  });

  it('validate Bundle.entry.resource and Parameters.parameter.resource', () => {
    const bundle = { resourceType: 'Bundle', type: 'collection', entry: [{ resource: patient() }, { resource: patient({ foo: 1 }) }] };
    expect(issuePaths(bundle)).toEqual(['Bundle.entry[1].resource.foo']);
    const params = { resourceType: 'Parameters', parameter: [{ name: 'r', resource: observation({ status: 'done' }) }] };
    expect(issuePaths(params)).toEqual(['Parameters.parameter[0].resource.status']);
  });
});
