import { describe, expect, it } from 'vitest';
import { ValueSetExpander } from '../../../scripts/build-value-sets.js';
import type { RawCodeSystem, RawValueSet } from '../../../scripts/build-value-sets.js';
import { ruleStats, ruleTypeNames, typeRules } from '../../../src/fhir/validation/compiled-rules.js';
import { xsdToJsRegex } from '../../../src/fhir/validation/xsd-regex.js';

describe('rules.json', () => {
  it('covers every R4 resource and the enforceable required bindings', () => {
    const stats = ruleStats();
    expect(stats.resources).toBe(146);
    expect(stats.valueSets).toBeGreaterThanOrEqual(200);
  });

  it('compiles every type without JSON key collisions', () => {
    for (const name of ruleTypeNames()) {
      const rules = typeRules(name)!;
      const keys = rules.elements.reduce((n, e) => n + e.keys.length, 0);
      expect(rules.fields.size, name).toBe(keys);
    }
  });

  it('resolves contentReference and inline backbones', () => {
    expect(typeRules('Questionnaire.item')?.fields.get('item')?.typeName).toBe('Questionnaire.item');
    expect(typeRules('Patient')?.fields.get('contact')?.typeName).toBe('Patient.contact');
    expect(typeRules('Timing')?.fields.get('repeat')?.typeName).toBe('Timing.repeat');
    expect(typeRules('Range')?.fields.get('low')?.typeName).toBe('SimpleQuantity');
    expect(typeRules('SimpleQuantity')?.fields.has('comparator')).toBe(false);
    expect(typeRules('Observation')?.fields.get('valueQuantity')?.typeName).toBe('Quantity');
  });
});

describe('xsdToJsRegex', () => {
  it('gives \\s and \\S their XSD meaning and anchors the pattern', () => {
    const string = new RegExp(xsdToJsRegex('[ \\r\\n\\t\\S]+'));
    expect(string.test('a\u00a0b\u2028c\f')).toBe(true);
    const code = new RegExp(xsdToJsRegex('[^\\s]+(\\s[^\\s]+)*'));
    expect(code.test('a\u00a0b')).toBe(true);
    expect(code.test('a  b')).toBe(false);
    expect(new RegExp(xsdToJsRegex('true|false')).test('falsey')).toBe(false);
  });
});

describe('ValueSetExpander', () => {
  const cs = (url: string, content: string, concept: RawCodeSystem['concept']): RawCodeSystem => ({ url, content, concept });
  const systems = new Map([
    ['http://s', cs('http://s', 'complete', [{ code: 'a', concept: [{ code: 'a1' }] }, { code: 'b' }])],
    ['http://frag', cs('http://frag', 'fragment', [{ code: 'x' }])],
  ]);
  const sets: RawValueSet[] = [
    { url: 'http://vs/all', compose: { include: [{ system: 'http://s' }], exclude: [{ system: 'http://s', concept: [{ code: 'b' }] }] } },
    { url: 'http://vs/list', compose: { include: [{ system: 'http://ext', concept: [{ code: 'e' }] }] } },
    { url: 'http://vs/import', compose: { include: [{ valueSet: ['http://vs/all|1.0'] }] } },
    { url: 'http://vs/filter', compose: { include: [{ system: 'http://s', filter: [{}] }] } },
    { url: 'http://vs/fragment', compose: { include: [{ system: 'http://frag' }] } },
    { url: 'http://vs/loop', compose: { include: [{ valueSet: ['http://vs/loop'] }] } },
  ];
  const expander = new ValueSetExpander(new Map(sets.map((v) => [v.url, v])), systems);
  const codes = (url: string) => {
    const e = expander.expand(url);
    return e && Object.fromEntries([...e].map(([s, c]) => [s, [...c].sort()]));
  };

  it('expands nested concepts, exclusions, explicit lists and imports', () => {
    expect(codes('http://vs/all')).toEqual({ 'http://s': ['a', 'a1'] });
    expect(codes('http://vs/list')).toEqual({ 'http://ext': ['e'] });
    expect(codes('http://vs/import|4.0.1')).toEqual({ 'http://s': ['a', 'a1'] });
  });

  it('refuses what the package cannot expand exactly', () => {
    expect(codes('http://vs/filter')).toBeUndefined();
    expect(codes('http://vs/fragment')).toBeUndefined();
    expect(codes('http://vs/loop')).toBeUndefined();
    expect(codes('http://vs/missing')).toBeUndefined();
  });
});
