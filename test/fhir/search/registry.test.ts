import { describe, expect, it } from 'vitest';
import { getSearchParam, getSearchParams, patientCompartmentParams, searchParamRecords } from '../../../src/fhir/search/registry.js';
import { isResourceType, resourceTypes } from '../../../src/core/resource-types.js';

describe('registry', () => {
  it('lists the 146 concrete R4 resource types, sorted', () => {
    const types = resourceTypes();
    expect(types).toHaveLength(146);
    expect([...types].sort()).toEqual(types);
    expect(isResourceType('Patient')).toBe(true);
    expect(isResourceType('Parameters')).toBe(true);
    expect(isResourceType('DomainResource')).toBe(false);
    expect(isResourceType('Resource')).toBe(false);
    expect(isResourceType('patient')).toBe(false);
  });

  it('gives a type its own parameters plus the Resource/DomainResource ones', () => {
    const obs = getSearchParams('Observation');
    for (const code of ['_id', '_lastUpdated', '_tag', '_profile', '_security', '_source', '_text', 'code', 'patient', 'subject', 'value-quantity', 'code-value-quantity']) {
      expect(obs.has(code), code).toBe(true);
    }
    expect(getSearchParam('Observation', '_lastUpdated')).toMatchObject({ type: 'date', expression: 'Resource.meta.lastUpdated' });
    // Bundle is not a DomainResource.
    expect(getSearchParams('Bundle').has('_text')).toBe(false);
    expect(getSearchParams('Bundle').has('_id')).toBe(true);
    expect(getSearchParams('NotAType').size).toBe(0);
  });

  it('narrows multi-base expressions to the resource type', () => {
    expect(getSearchParam('Observation', 'patient')).toMatchObject({
      type: 'reference',
      expression: 'Observation.subject.where(resolve() is Patient)',
      target: ['Group', 'Patient'],
    });
    expect(getSearchParam('AllergyIntolerance', 'patient')?.expression).toBe('AllergyIntolerance.patient');
    // A definition with no type prefix applies as a whole.
    expect(getSearchParam('InsurancePlan', 'name')?.expression).toBe('name | alias');
  });

  it('uses the per-base description of a shared definition', () => {
    expect(getSearchParam('Observation', 'patient')?.description).toBe('The subject that the observation is about (if patient)');
    expect(getSearchParam('Patient', 'birthdate')?.description).toBe("The patient's date of birth");
  });

  it('expands Reference(Any) targets', () => {
    const target = getSearchParam('Task', 'subject')?.target ?? [];
    expect(target).toContain('Patient');
    expect(target).toContain('Observation');
    expect(target).not.toContain('Parameters');
    expect(target).toHaveLength(145);
  });

  it('resolves composite components to their parameter code, type and expression', () => {
    expect(getSearchParam('Observation', 'code-value-quantity')?.components).toEqual([
      { definition: 'http://hl7.org/fhir/SearchParameter/clinical-code', code: 'code', type: 'token', expression: 'code' },
      {
        definition: 'http://hl7.org/fhir/SearchParameter/Observation-value-quantity',
        code: 'value-quantity',
        type: 'quantity',
        expression: 'value.as(Quantity)',
      },
    ]);
  });

  it('keeps comparators and multipleOr', () => {
    const vq = getSearchParam('Observation', 'value-quantity');
    expect(vq?.comparators).toEqual(['eq', 'ne', 'gt', 'ge', 'lt', 'le', 'sa', 'eb', 'ap']);
    expect(getSearchParam('Observation', 'code-value-quantity')?.multipleOr).toBe(false);
  });

  it('excludes the experimental example definitions', () => {
    const urls = searchParamRecords().map((r) => r.url);
    expect(urls).not.toContain('http://hl7.org/fhir/SearchParameter/example');
    expect(getSearchParam('Condition', 'subject')?.url).toBe('http://hl7.org/fhir/SearchParameter/Condition-subject');
    expect(new Set(urls).size).toBe(urls.length);
  });

  it('exposes the Patient compartment', () => {
    expect(patientCompartmentParams('Observation')).toEqual(['subject', 'performer']);
    expect(patientCompartmentParams('Patient')).toEqual(['link']);
    expect(patientCompartmentParams('ValueSet')).toEqual([]);
  });
});
