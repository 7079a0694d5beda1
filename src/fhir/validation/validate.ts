/**
 * Structural validation of R4 resources in JSON, run on every create/update/patch result
 * before it is stored. Rules are generated from the official definitions (build-rules.ts ->
 * rules.json): element names, JSON shapes, cardinality, primitive formats, choice types,
 * contained/bundled resources and required bindings with value sets expandable from the core
 * package. Not covered: FHIRPath invariants, profiles, reference targets, terminology outside
 * the package.
 */
import type { OutcomeIssue } from '../../core/errors.js';
import { IssueCollector, MAX_ISSUES } from './issues.js';
import { walkResource } from './walk.js';

export { MAX_DEPTH, MAX_ISSUES } from './issues.js';
export { isResourceType, ruleStats } from './compiled-rules.js';

export interface ValidateOptions {
  /** Cap on returned issues, the last one saying the walk stopped (default 100). */
  maxIssues?: number;
}

/** Error issues for everything structurally wrong with `resource`; [] when valid. Never throws. */
export function validateResource(resource: unknown, options: ValidateOptions = {}): OutcomeIssue[] {
  const out = new IssueCollector(Math.max(1, options.maxIssues ?? MAX_ISSUES));
  try {
    walkResource(resource, undefined, out, 0);
  } catch {
    // Only reachable with non-JSON input (throwing getters, proxies); JSON.parse output cannot throw here.
    out.stop('invalid', 'The resource could not be validated');
  }
  return out.issues;
}
