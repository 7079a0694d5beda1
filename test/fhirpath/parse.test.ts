import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { depthOf, unionTerms } from '../../src/fhirpath/ast.js';
import { FhirPathSyntaxError, FhirPathTooDeepError, parseFhirPath } from '../../src/fhirpath/parse.js';
import { printFhirPath } from '../../src/fhirpath/print.js';

interface Record_ {
  readonly expression: string | null;
  readonly component?: readonly { readonly expression: string }[];
}

const records = JSON.parse(readFileSync(new URL('../../src/fhir/search/search-parameters.json', import.meta.url), 'utf8')) as Record_[];
const r4Expressions = records.flatMap((r) => [r.expression, ...(r.component ?? []).map((c) => c.expression)]).filter((e): e is string => e !== null);

describe('the FHIRPath syntax tree (fhirpath.parse adapted)', () => {
  it('reads paths, functions, operators, literals and type operators', () => {
    expect(parseFhirPath("Patient.name.where(use = 'official')")).toEqual({
      type: 'call', name: 'where',
      target: { type: 'member', name: 'name', target: { type: 'member', name: 'Patient', target: undefined } },
      args: [{ type: 'binary', op: '=', left: { type: 'member', name: 'use', target: undefined }, right: { type: 'literal', kind: 'string', value: 'official' } }],
    });
    expect(parseFhirPath('(Observation.value as FHIR.Quantity)')).toMatchObject({ type: 'typeop', op: 'as', typeName: 'FHIR.Quantity' });
    expect(parseFhirPath('-1 + 2 * 3')).toMatchObject({ type: 'binary', op: '+', left: { type: 'unary', op: '-' }, right: { type: 'binary', op: '*' } });
    expect(parseFhirPath("%`my const` & %'q\\'s' & %resource")).toMatchObject({
      left: { left: { type: 'env', name: 'my const' }, right: { type: 'env', name: "q's" } }, right: { type: 'env', name: 'resource' },
    });
    expect(parseFhirPath("'a\\nb\\u0041'")).toEqual({ type: 'literal', kind: 'string', value: 'a\nbA' });
    expect(parseFhirPath('`div`.x')).toMatchObject({ type: 'member', name: 'x', target: { type: 'member', name: 'div' } });
    expect(parseFhirPath("5 'mg'")).toEqual({ type: 'quantity', value: '5', unit: 'mg', calendar: false });
    expect(parseFhirPath('@T12:30 | @2020-01')).toMatchObject({ left: { type: 'datetime', text: 'T12:30' }, right: { type: 'datetime', text: '2020-01' } });
    expect(parseFhirPath('$this.a[0]')).toMatchObject({ type: 'index', target: { type: 'member', target: { type: 'this' } }, index: { type: 'number', text: '0' } });
    expect(parseFhirPath('{}')).toEqual({ type: 'literal', kind: 'empty', value: null });
  });

  it('splits a union into its terms, left to right (`|` is associative: bracketed unions too)', () => {
    expect(unionTerms(parseFhirPath('a | (b | c) | d.where(e | f)')).map(printFhirPath)).toEqual(['a', 'b', 'c', 'd.where(e | f)']);
  });

  it('prints every R4 search expression back to text that parses to the same tree', () => {
    expect(r4Expressions.length).toBeGreaterThan(1000);
    for (const e of r4Expressions) {
      const tree = parseFhirPath(e);
      expect(parseFhirPath(printFhirPath(tree)), e).toEqual(tree);
    }
  });

  it('brackets by precedence when printing', () => {
    const cases = ['(a | b).c', '(a + b) * c', 'a - (b - c)', '(a as T).b', '-(a + b)', '(1).toString()', "x = 'it''s'".replace("''", "\\'"), '(a implies b) and c'];
    for (const c of cases) expect(parseFhirPath(printFhirPath(parseFhirPath(c))), c).toEqual(parseFhirPath(c));
    expect(printFhirPath(parseFhirPath('(a + b) * c'))).toBe('(a + b) * c');
    expect(printFhirPath(parseFhirPath('a + (b * c)'))).toBe('a + b * c');
  });

  it('refuses text that is not FHIRPath with a message free of parser internals', () => {
    for (const bad of ['name.(', 'a..b', "'open", 'a.('.repeat(200), 'Coding { code: 1 }', '5L']) {
      let err: unknown;
      try {
        parseFhirPath(bad);
      } catch (e) {
        err = e;
      }
      expect(err, bad).toBeInstanceOf(FhirPathSyntaxError);
      expect(String((err as Error).message).length, bad).toBeLessThan(2000);
    }
  });

  it('refuses nesting past what the parser can recurse through, as its own error', () => {
    expect(() => parseFhirPath(`${'('.repeat(3000)}1${')'.repeat(3000)}`)).toThrow(FhirPathTooDeepError);
  });

  it('measures tree depth one level per step', () => {
    expect(depthOf(parseFhirPath('a.b.c'))).toBe(3);
  });
});
