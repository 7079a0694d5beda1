import { describe, expect, it } from 'vitest';
import { normalizeString, numberRange, parseDateRange } from '../../../src/fhir/search/normalize.js';

describe('normalizeString', () => {
  it('lower-cases and folds accents', () => {
    expect(normalizeString('Çàfé ÅNGSTRÖM')).toBe('cafe angstrom');
    expect(normalizeString('Zoë Núñez-Müller')).toBe('zoe nunez-muller');
  });

  it('removes the dot that lower-casing İ introduces', () => {
    expect(normalizeString('İstanbul')).toBe('istanbul');
  });
});

describe('parseDateRange', () => {
  it('covers a whole year, month or day', () => {
    expect(parseDateRange('2020')).toEqual({ low: '2020-01-01T00:00:00.000Z', high: '2020-12-31T23:59:59.999Z' });
    expect(parseDateRange('2020-02')).toEqual({ low: '2020-02-01T00:00:00.000Z', high: '2020-02-29T23:59:59.999Z' });
    expect(parseDateRange('2021-02')).toEqual({ low: '2021-02-01T00:00:00.000Z', high: '2021-02-28T23:59:59.999Z' });
    expect(parseDateRange('2020-12')).toEqual({ low: '2020-12-01T00:00:00.000Z', high: '2020-12-31T23:59:59.999Z' });
    expect(parseDateRange('2020-03-04')).toEqual({ low: '2020-03-04T00:00:00.000Z', high: '2020-03-04T23:59:59.999Z' });
    expect(parseDateRange('2020-12-31')).toEqual({ low: '2020-12-31T00:00:00.000Z', high: '2020-12-31T23:59:59.999Z' });
  });

  it('covers one second, or the written fraction of it, converted to UTC', () => {
    expect(parseDateRange('2020-03-04T10:15:30Z')).toEqual({
      low: '2020-03-04T10:15:30.000Z',
      high: '2020-03-04T10:15:30.999Z',
    });
    expect(parseDateRange('2020-03-04T10:15:30+02:00')).toEqual({
      low: '2020-03-04T08:15:30.000Z',
      high: '2020-03-04T08:15:30.999Z',
    });
    expect(parseDateRange('2020-03-04T23:30:00-05:00')).toEqual({
      low: '2020-03-05T04:30:00.000Z',
      high: '2020-03-05T04:30:00.999Z',
    });
    expect(parseDateRange('2020-03-04T10:15:30.5Z')).toEqual({
      low: '2020-03-04T10:15:30.500Z',
      high: '2020-03-04T10:15:30.599Z',
    });
    expect(parseDateRange('2020-03-04T10:15:30.123456Z')).toEqual({
      low: '2020-03-04T10:15:30.123Z',
      high: '2020-03-04T10:15:30.123Z',
    });
  });

  it('treats a dateTime without a zone as UTC, and accepts minute precision', () => {
    expect(parseDateRange('2020-03-04T10:15:30')).toEqual({
      low: '2020-03-04T10:15:30.000Z',
      high: '2020-03-04T10:15:30.999Z',
    });
    expect(parseDateRange('2020-03-04T10:15')).toEqual({
      low: '2020-03-04T10:15:00.000Z',
      high: '2020-03-04T10:15:59.999Z',
    });
  });

  it('keeps years below 100 literal', () => {
    expect(parseDateRange('0050')).toEqual({ low: '0050-01-01T00:00:00.000Z', high: '0050-12-31T23:59:59.999Z' });
  });

  it('rejects impossible or malformed dates', () => {
    for (const bad of ['0000', '2021-02-29', '2020-13', '2020-00-10', '2020-01-32', '2020-01-01T25:00:00Z', 'yesterday', '20200101', '']) {
      expect(parseDateRange(bad), bad).toBeNull();
    }
  });
});

describe('numberRange', () => {
  it('derives the implicit range from significant digits', () => {
    expect(numberRange('100')).toEqual({ value: 100, low: 99.5, high: 100.5 });
    expect(numberRange('100.0')).toEqual({ value: 100, low: 99.95, high: 100.05 });
    expect(numberRange('1e2')).toEqual({ value: 100, low: 50, high: 150 });
    expect(numberRange('0.00')).toEqual({ value: 0, low: -0.005, high: 0.005 });
    expect(numberRange('-5.4')).toEqual({ value: -5.4, low: -5.45, high: -5.35 });
  });

  it('uses the shortest form of a JS number (JSON.parse drops trailing zeros)', () => {
    expect(numberRange(100)).toEqual({ value: 100, low: 99.5, high: 100.5 });
    expect(numberRange(0.1)).toEqual({ value: 0.1, low: 0.05, high: 0.15 });
    expect(numberRange(1e-7)).toEqual({ value: 1e-7, low: 5e-8, high: 1.5e-7 });
  });

  it('rejects non-numbers', () => {
    expect(numberRange('abc')).toBeNull();
    expect(numberRange(Number.NaN)).toBeNull();
    expect(numberRange(Number.POSITIVE_INFINITY)).toBeNull();
  });
});
