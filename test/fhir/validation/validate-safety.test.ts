import { describe, expect, it } from 'vitest';
import { MAX_DEPTH, MAX_ISSUES, validateResource } from '../../../src/fhir/validation/validate.js';
import { expectOneIssue, expectValid, patient } from './helpers.js';

describe('arbitrary input', () => {
  const notResources: unknown[] = [null, undefined, 42, 'Patient', true, [], [{ resourceType: 'Patient' }]];
  it.each(notResources.map((v) => [v]))('rejects %j as a resource', (input) => {
    const issues = validateResource(input);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ severity: 'error', code: 'structure' });
  });

  it('treats prototype member names as plain unknown keys', () => {
    const parsed: unknown = JSON.parse('{"resourceType":"Patient","__proto__":{"gender":"x"},"constructor":1,"hasOwnProperty":[],"toString":"s"}');
    expect(validateResource(parsed).map((i) => i.expression?.[0])).toEqual([
      'Patient.__proto__',
      'Patient.constructor',
      'Patient.hasOwnProperty',
      'Patient.toString',
    ]);
    expect(({} as Record<string, unknown>).gender).toBeUndefined();
  });

  it.each([['__proto__'], ['constructor'], ['toString'], ['hasOwnProperty'], ['valueOf']])('rejects resourceType %s', (rt) => {
    expectOneIssue({ resourceType: rt }, 'invalid', 'resourceType');
  });

  it('does not look codes or systems up through the prototype chain', () => {
    expectOneIssue(patient({ gender: 'constructor' }), 'code-invalid', 'Patient.gender');
    expectValid({ resourceType: 'Condition', subject: { reference: 'Patient/1' }, clinicalStatus: { coding: [{ system: '__proto__', code: 'x' }] } });
  });

  it('never throws on non-JSON values', () => {
    const hostile = { resourceType: 'Patient' } as Record<string, unknown>;
    Object.defineProperty(hostile, 'gender', { enumerable: true, get: () => { throw new Error('boom'); } });
    expect(validateResource(hostile)).toMatchObject([{ code: 'invalid' }]);
    const cyclic: Record<string, unknown> = { resourceType: 'Questionnaire', status: 'draft' };
    const item: Record<string, unknown> = { linkId: '1', type: 'group' };
    item.item = [item];
    cyclic.item = [item];
    expect(validateResource(cyclic).at(-1)?.diagnostics).toMatch(/Nesting deeper/);
    expect(() => validateResource({ resourceType: 'Patient', name: [{ given: [Symbol('x'), () => 1, 10n] }] })).not.toThrow();
  });

  it('survives random JSON', () => {
    const keys = ['resourceType', 'id', 'name', 'given', 'extension', 'url', 'valueString', '_given', 'contained', 'gender', 'x'];
    let seed = 7;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % n);
    const gen = (d: number): unknown => {
      switch (rnd(d > 4 ? 4 : 7)) {
        case 0: return null;
        case 1: return rnd(3) - 1;
        case 2: return ['', 'Patient', 'male', 'x y'][rnd(4)];
        case 3: return rnd(2) === 0;
        case 4: return Array.from({ length: rnd(3) }, () => gen(d + 1));
        default: return Object.fromEntries(Array.from({ length: rnd(4) }, () => [keys[rnd(keys.length)]!, gen(d + 1)]));
      }
    };
    for (let i = 0; i < 2000; i++) {
      const doc = { resourceType: rnd(2) ? 'Patient' : 'Bundle', ...(gen(0) as object) };
      expect(() => validateResource(doc)).not.toThrow();
    }
  });
});

describe('limits', () => {
  it(`stops at nesting depth ${MAX_DEPTH} with one issue`, () => {
    let ext: Record<string, unknown> = { url: 'http://e', valueString: 'x' };
    for (let i = 0; i < 200; i++) ext = { url: 'http://e', extension: [ext] };
    const issues = validateResource(patient({ extension: [ext], gender: 'boy' }));
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ code: 'invalid', diagnostics: `Nesting deeper than ${MAX_DEPTH} levels` });
  });

  it('accepts realistic nesting', () => {
    let item: Record<string, unknown> = { linkId: 'leaf', type: 'string' };
    for (let i = 0; i < 20; i++) item = { linkId: `g${i}`, type: 'group', item: [item] };
    expect(validateResource({ resourceType: 'Questionnaire', status: 'draft', item: [item] })).toEqual([]);
  });

  it(`caps the number of issues at ${MAX_ISSUES}`, () => {
    const body: Record<string, unknown> = { resourceType: 'Patient' };
    for (let i = 0; i < 10_000; i++) body[`bad${i}`] = i;
    const issues = validateResource(body);
    expect(issues).toHaveLength(MAX_ISSUES);
    expect(issues.at(-1)?.diagnostics).toMatch(/Too many issues/);
    expect(validateResource(body, { maxIssues: 3 })).toHaveLength(3);
  });

  it('keeps diagnostics and expressions short for huge values and keys', () => {
    const issue = expectOneIssue(patient({ birthDate: 'x'.repeat(100_000) }), 'value', 'Patient.birthDate');
    expect(issue.diagnostics!.length).toBeLessThan(200);
    const [unknown] = validateResource(patient({ ['k'.repeat(100_000)]: 1 }));
    expect(JSON.stringify(unknown).length).toBeLessThan(400);
  });
});
