import { FhirError } from '../../core/errors.js';
import type { JsonObject } from '../../core/json.js';
import type { Deps } from '../../env.js';
import type { FhirContext } from '../context.js';
import { sendJson } from '../respond.js';
import { codeSystemModel, conceptOf, subsumption, type CodeSystemModel, type Concept } from './code-system.js';
import { OperationInput, parameters, type Coding } from './params.js';
import { withTerminology } from './session.js';
import type { TerminologySource } from './source.js';
import { checkDisplay } from './validate-result.js';

/*
 * CodeSystem/$lookup, CodeSystem/$validate-code and CodeSystem/$subsumes (R4 codesystem-operations).
 * An unknown code system is 404 for $lookup and $subsumes; an unknown code is 404 for $lookup
 * (as HAPI: "Unable to find code"), 400 for $subsumes; $validate-code answers result=false with
 * a message for either.
 */

/** `system`/`code`/`version`, or a `coding` (named `codingName`). */
function codingOf(input: OperationInput, codeName = 'code', codingName = 'coding'): Coding {
  const coding = input.coding(codingName);
  if (coding !== undefined) return coding;
  return { system: input.string('system') ?? input.string('url'), code: input.string(codeName), version: input.string('version'), display: input.string('display') };
}

function propertyPart(code: string, value: JsonObject): JsonObject {
  return { name: 'property', part: [{ name: 'code', valueCode: code }, { name: 'value', ...value }] };
}

function lookupParameters(cs: CodeSystemModel, concept: Concept, wanted: string[]): JsonObject {
  const want = (p: string) => wanted.length === 0 || wanted.includes(p);
  const parts: JsonObject[] = [{ name: 'name', valueString: cs.name ?? cs.url }];
  if (cs.version) parts.push({ name: 'version', valueString: cs.version });
  if (concept.display !== undefined) parts.push({ name: 'display', valueString: concept.display });
  if (concept.definition !== undefined && want('definition')) parts.push({ name: 'definition', valueString: concept.definition });
  for (const d of concept.designations) {
    parts.push({ name: 'designation', part: [
      ...(d.language ? [{ name: 'language', valueCode: d.language }] : []),
      ...(d.use ? [{ name: 'use', valueCoding: d.use }] : []),
      { name: 'value', valueString: d.value },
    ] });
  }
  if (want('parent')) for (const p of concept.parents) parts.push(propertyPart('parent', { valueCode: p }));
  if (want('child')) for (const ch of concept.children) parts.push(propertyPart('child', { valueCode: ch }));
  for (const p of concept.properties) {
    if (!want(p.code)) continue;
    const value = Object.fromEntries(Object.entries(p.value).filter(([k]) => k.startsWith('value')));
    parts.push(propertyPart(p.code, value));
  }
  return parameters(parts);
}

export async function lookupOperation(c: FhirContext, deps: Deps, id?: string): Promise<Response> {
  // R4 defines $lookup at type level only ([base]/CodeSystem/$lookup).
  if (id !== undefined) throw FhirError.notFound('$lookup is answered at [base]/CodeSystem/$lookup, not on an instance');
  const input = await OperationInput.of(c);
  const coding = codingOf(input);
  if (coding.system === undefined || coding.code === undefined) throw FhirError.badRequest('$lookup needs system and code, or a coding');
  const { system, code } = coding;
  const body = await withTerminology(c, deps, 'CodeSystem', async (source) => {
    const cs = await source.requireCodeSystem(system, coding.version);
    const concept = conceptOf(cs, code);
    if (concept === undefined) throw FhirError.notFound(`Unable to find code ${code.slice(0, 100)} in system ${system.slice(0, 200)}`);
    return lookupParameters(cs, concept, input.strings('property'));
  });
  return sendJson(c, 200, JSON.stringify(body));
}

/** [base]/CodeSystem/$subsumes (system given), or [base]/CodeSystem/{id}/$subsumes (that code system). */
export async function subsumesOperation(c: FhirContext, deps: Deps, id?: string): Promise<Response> {
  const input = await OperationInput.of(c);
  const a = codingOf(input, 'codeA', 'codingA');
  const b = codingOf(input, 'codeB', 'codingB');
  const system = a.system ?? b.system;
  if ((system === undefined && id === undefined) || a.code === undefined || b.code === undefined) {
    throw FhirError.badRequest('$subsumes needs system with codeA and codeB, or codingA and codingB');
  }
  if (a.system !== undefined && b.system !== undefined && a.system !== b.system) throw FhirError.badRequest('$subsumes compares codes of one code system');
  const codeA = a.code;
  const codeB = b.code;
  const outcome = await withTerminology(c, deps, 'CodeSystem', async (source) => {
    const cs = id !== undefined
      ? await codeSystemFor(input, source, id, undefined, undefined)
      : await source.requireCodeSystem(system ?? '', a.version ?? input.string('version'));
    if (cs === undefined) throw FhirError.notFound(`CodeSystem/${String(id)} is not known`);
    if (system !== undefined && cs.url !== system) throw FhirError.badRequest(`CodeSystem/${String(id)} is not the code system ${system.slice(0, 200)}`);
    const ca = conceptOf(cs, codeA);
    const cb = conceptOf(cs, codeB);
    if (!ca || !cb) throw FhirError.badRequest(`Unknown code ${(!ca ? codeA : codeB).slice(0, 100)} in system ${cs.url.slice(0, 200)}`);
    return subsumption(cs, ca.code, cb.code);
  });
  return sendJson(c, 200, JSON.stringify(parameters([{ name: 'outcome', valueCode: outcome }])));
}

async function codeSystemFor(input: OperationInput, source: TerminologySource, id: string | undefined, system: string | undefined, version: string | undefined): Promise<CodeSystemModel | undefined> {
  if (id !== undefined) {
    const found = await source.byId('CodeSystem', id);
    if (found === undefined) throw FhirError.notFound(`CodeSystem/${id} is not known`);
    return codeSystemModel(found.resource);
  }
  const given = input.resource('codeSystem');
  if (given !== undefined) return codeSystemModel(given);
  return system === undefined ? undefined : source.codeSystem(system, version);
}

export async function codeSystemValidateOperation(c: FhirContext, deps: Deps, id?: string): Promise<Response> {
  const input = await OperationInput.of(c);
  const codings = input.codings('codeableConcept') ?? [codingOf(input)];
  const url = input.string('url');
  const body = await withTerminology(c, deps, 'CodeSystem', async (source) => {
    let message = 'No code given';
    for (const coding of codings) {
      const system = url ?? coding.system;
      if (coding.code === undefined) continue;
      const cs = await codeSystemFor(input, source, id, system, coding.version ?? input.string('version'));
      if (cs === undefined) {
        message = `Unknown code system ${String(system).slice(0, 200)}`;
        continue;
      }
      const concept = conceptOf(cs, coding.code);
      if (concept === undefined) {
        message = `Unknown code ${coding.code.slice(0, 100)} in code system ${cs.url.slice(0, 200)}`;
        continue;
      }
      return checkDisplay(concept.code, concept.display, concept.designations.map((d) => d.value), coding.display);
    }
    if (id === undefined && url === undefined && codings.every((x) => x.system === undefined) && input.resource('codeSystem') === undefined) {
      throw FhirError.badRequest('CodeSystem/$validate-code needs url (or system), code, or a coding or codeableConcept');
    }
    return parameters([{ name: 'result', valueBoolean: false }, { name: 'message', valueString: message }]);
  });
  return sendJson(c, 200, JSON.stringify(body));
}
