import { describe, expect, it } from 'vitest';
import { unionTerms } from '../../../src/fhirpath/ast.js';
import { narrowExpression } from '../../../src/fhirpath/narrow.js';
import { parseFhirPath } from '../../../src/fhirpath/parse.js';
import { printFhirPath } from '../../../src/fhirpath/print.js';
import { compileFastForResource, resourceNode } from '../../../src/fhir/indexing/fast-compile.js';
import { rewriteForFhirpath } from '../../../src/fhir/indexing/fhirpath-engine.js';

function run<R extends { resourceType: string }>(expr: string, resource: R) {
  const c = compileFastForResource(expr, resource.resourceType);
  if (c === null) throw new Error(`not compiled: ${expr}`);
  return c.run([resourceNode(resource)], resource).map(({ v, t }) => ({ v, t }));
}

describe('expression splitting', () => {
  it('splits on top-level | only', () => {
    const terms = unionTerms(parseFhirPath("A.b | (A.c as X) | A.d.where(e='x|y')")).map(printFhirPath);
    expect(terms).toEqual(['A.b', 'A.c as X', "A.d.where(e = 'x|y')"]);
  });

  it('keeps the parts of one base, common roots and relative parts', () => {
    expect(narrowExpression('Account.subject | Observation.subject.where(resolve() is Patient)', 'Observation')).toBe(
      'Observation.subject.where(resolve() is Patient)',
    );
    expect(narrowExpression('(Observation.value as Quantity) | (Other.value as Quantity)', 'Observation')).toBe(
      'Observation.value as Quantity',
    );
    expect(narrowExpression('Resource.id', 'Patient')).toBe('Resource.id');
    expect(narrowExpression('name | alias', 'InsurancePlan')).toBe('name | alias');
    expect(narrowExpression('Account.subject', 'Observation')).toBeNull();
  });
});

describe('fast accessor compiler', () => {
  const obs = {
    resourceType: 'Observation',
    valueQuantity: { value: 1 },
    component: [{ valueString: 'a' }, { valueQuantity: { value: 2 } }],
  };

  it('resolves choice types through the model', () => {
    expect(run('Observation.value', obs)).toEqual([{ v: { value: 1 }, t: 'Quantity' }]);
    expect(run('Observation.component.value', obs)).toEqual([
      { v: 'a', t: 'string' },
      { v: { value: 2 }, t: 'Quantity' },
    ]);
  });

  it('filters by type with as/ofType, including subtypes', () => {
    expect(run('(Observation.component.value as Quantity)', obs)).toEqual([{ v: { value: 2 }, t: 'Quantity' }]);
    expect(run('Observation.component.value.ofType(string)', obs)).toEqual([{ v: 'a', t: 'string' }]);
    const cond = { resourceType: 'Condition', onsetAge: { value: 3 } };
    expect(run('Condition.onset.as(Quantity)', cond)).toEqual([{ v: { value: 3 }, t: 'Age' }]);
  });

  it('starts Resource/DomainResource roots at the resource and looks up inherited elements', () => {
    expect(run('Resource.id', { resourceType: 'Patient', id: 'x' })).toEqual([{ v: 'x', t: 'System.String' }]);
    expect(run('Resource.meta.tag', { resourceType: 'Bundle', meta: { tag: [{ code: 't' }] } })).toEqual([
      { v: { code: 't' }, t: 'Coding' },
    ]);
  });

  it('follows elements defined elsewhere (Questionnaire.item.item)', () => {
    const q = { resourceType: 'Questionnaire', item: [{ linkId: '1', item: [{ linkId: '1.1' }] }] };
    expect(run('Questionnaire.item.item.linkId', q)).toEqual([{ v: '1.1', t: 'string' }]);
  });

  it('leaves unsupported forms to fhirpath.js', () => {
    for (const expr of [
      'Bundle.entry[0].resource',
      'Patient.deceased.exists() and Patient.deceased != false',
      'Patient.name.first()',
      'Patient.nonexistent',
      'Bundle.entry.resource',
      '%resource.id',
    ]) {
      expect(compileFastForResource(expr, expr.startsWith('Bundle') ? 'Bundle' : 'Patient'), expr).toBeNull();
    }
  });
});

describe('fhirpath.js rewrites', () => {
  it('replaces resolve() is X, the as operator/function and capitalized primitives', () => {
    const out = rewriteForFhirpath('Observation.subject.where(resolve() is Patient)');
    expect(out).not.toContain('resolve()');
    expect(out).toContain("reference.matches('^(.*/)?Patient/");
    expect(rewriteForFhirpath('(Observation.value as Quantity)')).toBe('Observation.value.ofType(Quantity)');
    expect(rewriteForFhirpath('value.as(DateTime) | value.as(Period)')).toBe('value.ofType(dateTime) | value.ofType(Period)');
  });
});
