import { expect } from 'vitest';
import type { OutcomeIssue } from '../../../src/core/errors.js';
import { validateResource } from '../../../src/fhir/validation/validate.js';

export function expectValid(resource: unknown): void {
  expect(validateResource(resource)).toEqual([]);
}

/** Asserts exactly one issue, with this code and expression; returns it for further checks. */
export function expectOneIssue(resource: unknown, code: string, expression: string): OutcomeIssue {
  const issues = validateResource(resource);
  expect(issues).toHaveLength(1);
  expect(issues[0]).toMatchObject({ severity: 'error', code, expression: [expression] });
  return issues[0]!;
}

/** Paths of all issues, for multi-issue cases. */
export function issuePaths(resource: unknown): string[] {
  return validateResource(resource).map((i) => i.expression?.[0] ?? '');
}

export const patient = (extra: Record<string, unknown> = {}) => ({ resourceType: 'Patient', ...extra });

export const observation = (extra: Record<string, unknown> = {}) => ({
  resourceType: 'Observation',
  status: 'final',
  code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] },
  ...extra,
});
