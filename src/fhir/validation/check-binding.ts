/**
 * Required bindings whose value set was expanded at build time. Pragmatic by design: a Coding
 * is judged only when its system is one the value set draws from (a code from another system
 * or a text-only concept is left alone), and a CodeableConcept passes as soon as one of its
 * codings is in the value set.
 */
import type { CompiledValueSet } from './compiled-rules.js';
import { quote } from './issues.js';
import type { IssueCollector } from './issues.js';

const LISTED_CODES = 12;

function describe(vs: CompiledValueSet): string {
  if (vs.all.size > LISTED_CODES) return `the required value set ${vs.url}`;
  return `the required value set ${vs.url} (${[...vs.all].join(' | ')})`;
}

const own = (obj: object, key: string): unknown => (Object.hasOwn(obj, key) ? (obj as Record<string, unknown>)[key] : undefined);

export function checkCode(code: string, vs: CompiledValueSet, path: string, out: IssueCollector): void {
  if (!vs.all.has(code)) out.add('code-invalid', `Code ${quote(code)} is not in ${describe(vs)}`, path);
}

/** The codes allowed for this coding's system, or undefined when the binding does not judge it. */
function codesFor(coding: object, vs: CompiledValueSet): ReadonlySet<string> | undefined {
  const system = own(coding, 'system');
  return typeof system === 'string' ? vs.bySystem.get(system) : undefined;
}

export function checkCoding(coding: object, vs: CompiledValueSet, path: string, out: IssueCollector): void {
  const codes = codesFor(coding, vs);
  const code = own(coding, 'code');
  if (codes && typeof code === 'string' && !codes.has(code)) {
    out.add('code-invalid', `Code ${quote(code)} is not in ${describe(vs)}`, `${path}.code`);
  }
}

export function checkCodeableConcept(concept: object, vs: CompiledValueSet, path: string, out: IssueCollector): void {
  const codings = own(concept, 'coding');
  if (!Array.isArray(codings)) return;
  const bad: number[] = [];
  for (let i = 0; i < codings.length; i++) {
    const c: unknown = codings[i];
    if (typeof c !== 'object' || c === null) continue;
    const codes = codesFor(c, vs);
    const code = own(c, 'code');
    if (!codes || typeof code !== 'string') continue;
    if (codes.has(code)) return;
    bad.push(i);
  }
  for (const i of bad) {
    const code = own(codings[i] as object, 'code');
    out.add('code-invalid', `Code ${quote(code)} is not in ${describe(vs)}`, `${path}.coding[${i}].code`);
  }
}
