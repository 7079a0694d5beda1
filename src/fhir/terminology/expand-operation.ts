import { randomUUID } from 'node:crypto';
import { FhirError } from '../../core/errors.js';
import type { JsonObject } from '../../core/json.js';
import type { Deps } from '../../env.js';
import type { FhirContext } from '../context.js';
import { sendJson } from '../respond.js';
import { expandValueSet, type Code } from './expand.js';
import { MAX_EXPANSION } from './limits.js';
import { OperationInput } from './params.js';
import { withTerminology } from './session.js';
import type { TerminologySource } from './source.js';

/*
 * ValueSet/$expand (http://hl7.org/fhir/OperationDefinition/ValueSet-expand): the value set by
 * `url` (+ `valueSetVersion`), by instance (ValueSet/{id}/$expand) or given as `valueSet` in a
 * POSTed Parameters; `filter` (text in code or display, case-insensitive), `offset`, `count`.
 * `expansion.total` counts the codes after `filter`; `contains` is the page.
 */

/** The ValueSet an operation is about: instance, `url` (+ version), or the `valueSet` resource; 404 when unknown. */
export async function valueSetOf(input: OperationInput, source: TerminologySource, id: string | undefined): Promise<JsonObject> {
  if (id !== undefined) {
    const found = await source.byId('ValueSet', id);
    if (found === undefined) throw FhirError.notFound(`ValueSet/${id} is not known`);
    return found.resource;
  }
  const given = input.resource('valueSet');
  if (given !== undefined) {
    if (given.resourceType !== 'ValueSet') throw FhirError.badRequest('Parameter valueSet must be a ValueSet');
    return given;
  }
  const url = input.string('url');
  if (url === undefined) throw FhirError.badRequest('Give the value set: url (with valueSetVersion), a valueSet resource, or call ValueSet/{id}/$expand');
  const found = await source.byUrl('ValueSet', url, input.string('valueSetVersion'));
  if (found === undefined) throw FhirError.notFound(`ValueSet ${url.slice(0, 200)} is not known`);
  return found.resource;
}

function matches(text: string): (c: Code) => boolean {
  const needle = text.toLowerCase();
  return (c) => c.code.toLowerCase().includes(needle) || (c.display?.toLowerCase().includes(needle) ?? false);
}

export async function expandOperation(c: FhirContext, deps: Deps, id?: string): Promise<Response> {
  const input = await OperationInput.of(c);
  const filter = input.string('filter');
  const offset = input.integer('offset') ?? 0;
  const count = Math.min(input.integer('count') ?? MAX_EXPANSION, MAX_EXPANSION);
  const result = await withTerminology(c, deps, 'ValueSet', async (source) => {
    const vs = await valueSetOf(input, source, id);
    const codes = await expandValueSet(vs, source);
    return { vs, codes: filter === undefined ? codes : codes.filter(matches(filter)) };
  });
  const parameter: JsonObject[] = [];
  if (filter !== undefined) parameter.push({ name: 'filter', valueString: filter });
  if (offset) parameter.push({ name: 'offset', valueInteger: offset });
  if (input.integer('count') !== undefined) parameter.push({ name: 'count', valueInteger: count });
  // A stored expansion is replaced by this one.
  const body = {
    ...result.vs,
    expansion: {
      identifier: `urn:uuid:${randomUUID()}`,
      timestamp: new Date().toISOString(),
      total: result.codes.length,
      offset,
      ...(parameter.length ? { parameter } : {}),
      contains: result.codes.slice(offset, offset + count).map((x) => ({ system: x.system, ...(x.version ? { version: x.version } : {}), code: x.code, ...(x.display !== undefined ? { display: x.display } : {}) })),
    },
  };
  return sendJson(c, 200, JSON.stringify(body));
}
