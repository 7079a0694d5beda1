/**
 * Collects validation issues with a hard cap, so a huge malformed body cannot produce a huge
 * OperationOutcome or keep the walker busy once the answer is already "rejected".
 */
import type { OutcomeIssue } from '../../core/errors.js';

export type ValidationIssueCode = 'structure' | 'required' | 'value' | 'code-invalid' | 'invalid';

export const MAX_ISSUES = 100;
/** Deeper than any real resource (nested Questionnaire items stay well below), shallow enough for the stack. */
export const MAX_DEPTH = 64;
const MAX_QUOTED = 80;

export class IssueCollector {
  readonly issues: OutcomeIssue[] = [];
  /** Set once the cap or depth limit is hit; walkers check it and unwind. */
  stopped = false;

  constructor(private readonly maxIssues = MAX_ISSUES) {}

  add(code: ValidationIssueCode, diagnostics: string, path?: string): void {
    if (this.stopped) return;
    if (this.issues.length >= this.maxIssues - 1) {
      this.stop('invalid', `Too many issues; validation stopped after ${this.issues.length}`);
      return;
    }
    this.issues.push(issue(code, diagnostics, path));
  }

  /** Records a final issue and stops the walk. */
  stop(code: ValidationIssueCode, diagnostics: string, path?: string): void {
    if (this.stopped) return;
    this.issues.push(issue(code, diagnostics, path));
    this.stopped = true;
  }
}

function issue(code: ValidationIssueCode, diagnostics: string, path: string | undefined): OutcomeIssue {
  const out: OutcomeIssue = { severity: 'error', code, diagnostics };
  if (path) out.expression = [path];
  return out;
}

/** A user value for a diagnostic: JSON-quoted and shortened, so messages stay small and unambiguous. */
export function quote(value: unknown): string {
  let text: string;
  if (typeof value === 'string') text = JSON.stringify(value.slice(0, MAX_QUOTED));
  else if (typeof value === 'number' || typeof value === 'boolean') text = String(value);
  else text = jsonKind(value);
  return text.length > MAX_QUOTED ? `${text.slice(0, MAX_QUOTED - 1)}…` : text;
}

/** The JSON kind of a value, for "expected X, found Y" messages. */
export function jsonKind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}
