import { FhirError } from '../../core/errors.js';
import { isJsonObject, type Json, type JsonObject } from '../../core/json.js';
import type { Deps } from '../../env.js';
import type { FhirContext } from '../context.js';
import { sendJson } from '../respond.js';
import { OperationInput, parameters, type Coding } from './params.js';
import { withTerminology } from './session.js';
import type { Loaded, TerminologySource } from './source.js';

/*
 * ConceptMap/$translate (http://hl7.org/fhir/OperationDefinition/ConceptMap-translate), R4
 * ConceptMap: group (source, target) / element (code) / target (code, equivalence), and
 * `unmapped` (provided, fixed). The map by `url` (+ conceptMapVersion) or instance; without
 * one, the scope's maps whose source side has the code (at most a page of them). `reverse`
 * translates from the target side. `result` is true when some match is neither unmatched nor
 * disjoint.
 */

const str = (v: Json | undefined): string | undefined => (typeof v === 'string' ? v : undefined);
const objects = (v: Json | undefined): JsonObject[] => (Array.isArray(v) ? v.filter(isJsonObject) : []);
const FAILED = new Set(['unmatched', 'disjoint']);

interface Match {
  equivalence: string;
  concept: Coding;
  source: string;
}

/** The matches of one map for the coding, reading it forwards or in reverse. */
function translateWith(map: JsonObject, coding: Coding, reverse: boolean, targetSystem: string | undefined): Match[] {
  const url = str(map.url) ?? `ConceptMap/${String(map.id ?? '')}`;
  const out: Match[] = [];
  for (const g of objects(map.group)) {
    const from = reverse ? str(g.target) : str(g.source);
    const to = reverse ? str(g.source) : str(g.target);
    if (coding.system !== undefined && from !== undefined && from !== coding.system) continue;
    if (targetSystem !== undefined && to !== targetSystem) continue;
    let found = false;
    for (const e of objects(g.element)) {
      for (const t of objects(e.target)) {
        const [fromCode, toCode, toDisplay] = reverse ? [str(t.code), str(e.code), str(e.display)] : [str(e.code), str(t.code), str(t.display)];
        if (fromCode !== coding.code) continue;
        found = true;
        const equivalence = str(t.equivalence) ?? 'equivalent';
        out.push({ equivalence, concept: { ...(to ? { system: to } : {}), ...(toCode ? { code: toCode } : {}), ...(toDisplay ? { display: toDisplay } : {}) }, source: url });
      }
    }
    const unmapped = isJsonObject(g.unmapped) ? g.unmapped : undefined;
    if (!found && !reverse && unmapped && coding.code !== undefined) {
      const mode = str(unmapped.mode);
      if (mode === 'provided') out.push({ equivalence: 'equal', concept: { ...(to ? { system: to } : {}), code: coding.code }, source: url });
      if (mode === 'fixed' && str(unmapped.code)) out.push({ equivalence: 'equivalent', concept: { ...(to ? { system: to } : {}), code: str(unmapped.code), ...(str(unmapped.display) ? { display: str(unmapped.display) } : {}) }, source: url });
    }
  }
  return out;
}

async function mapsFor(input: OperationInput, source: TerminologySource, id: string | undefined, coding: Coding, reverse: boolean): Promise<Loaded[]> {
  if (id !== undefined) {
    const found = await source.byId('ConceptMap', id);
    if (found === undefined) throw FhirError.notFound(`ConceptMap/${id} is not known`);
    return [found];
  }
  const url = input.string('url');
  if (url !== undefined) {
    const found = await source.byUrl('ConceptMap', url, input.string('conceptMapVersion'));
    if (found === undefined) throw FhirError.notFound(`ConceptMap ${url.slice(0, 200)} is not known`);
    return [found];
  }
  if (coding.code === undefined) return [];
  const maps = await source.conceptMapsFor(coding.system, coding.code, reverse);
  // Without a map, its source and target value sets narrow which maps apply (R4 `source`, `target`).
  const sourceVs = input.string('source');
  const targetVs = input.string('target');
  return maps.filter(({ resource: m }) => {
    const [from, to] = reverse ? [m.targetUri ?? m.targetCanonical, m.sourceUri ?? m.sourceCanonical] : [m.sourceUri ?? m.sourceCanonical, m.targetUri ?? m.targetCanonical];
    return (sourceVs === undefined || str(from) === sourceVs) && (targetVs === undefined || str(to) === targetVs);
  });
}

function matchPart(m: Match): JsonObject {
  return { name: 'match', part: [
    { name: 'equivalence', valueCode: m.equivalence },
    { name: 'concept', valueCoding: { ...m.concept } },
    { name: 'source', valueUri: m.source },
  ] };
}

export async function translateOperation(c: FhirContext, deps: Deps, id?: string): Promise<Response> {
  const input = await OperationInput.of(c);
  const codings = input.codings('codeableConcept') ?? [input.coding('coding') ?? { system: input.string('system'), code: input.string('code'), version: input.string('version') }];
  if (!codings.some((x) => x.code !== undefined)) throw FhirError.badRequest('$translate needs system and code, a coding or a codeableConcept');
  const reverse = input.boolean('reverse') ?? false;
  const targetSystem = input.string('targetsystem');
  const matches = await withTerminology(c, deps, 'ConceptMap', async (source) => {
    const out: Match[] = [];
    for (const coding of codings) {
      if (coding.code === undefined) continue;
      for (const { resource } of await mapsFor(input, source, id, coding, reverse)) out.push(...translateWith(resource, coding, reverse, targetSystem));
    }
    return out;
  });
  const ok = matches.some((m) => !FAILED.has(m.equivalence));
  const parts: JsonObject[] = [{ name: 'result', valueBoolean: ok }];
  if (!ok) parts.push({ name: 'message', valueString: 'No translation found for the given code' });
  parts.push(...matches.map(matchPart));
  return sendJson(c, 200, JSON.stringify(parameters(parts)));
}
