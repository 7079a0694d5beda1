import { FhirError } from '../../core/errors.js';
import type { Deps } from '../../env.js';
import type { FhirContext } from '../context.js';
import { sendJson } from '../respond.js';
import { codeKey, expandValueSet } from './expand.js';
import { valueSetOf } from './expand-operation.js';
import { OperationInput, parameters, type Coding } from './params.js';
import { withTerminology } from './session.js';
import { checkDisplay } from './validate-result.js';

/*
 * ValueSet/$validate-code (http://hl7.org/fhir/OperationDefinition/ValueSet-validate-code): is
 * the code (system + code, a coding, or any coding of a codeableConcept) in the value set
 * (url, instance or valueSet)? Membership is decided on the expansion (bounded like $expand);
 * an unknown value set is 404, an unknown code or system is result=false with a message.
 */

export async function valueSetValidateOperation(c: FhirContext, deps: Deps, id?: string): Promise<Response> {
  const input = await OperationInput.of(c);
  const single = input.coding('coding') ?? { system: input.string('system'), code: input.string('code'), display: input.string('display') };
  const codings: Coding[] = input.codings('codeableConcept') ?? [single];
  if (!codings.some((x) => x.code !== undefined)) throw FhirError.badRequest('ValueSet/$validate-code needs code (with system), a coding or a codeableConcept');
  const body = await withTerminology(c, deps, 'ValueSet', async (source) => {
    const vs = await valueSetOf(input, source, id);
    const codes = await expandValueSet(vs, source);
    const byKey = new Map(codes.map((x) => [codeKey(x.system, x.code), x]));
    const name = typeof vs.url === 'string' ? vs.url : `ValueSet/${String(vs.id ?? '')}`;
    let message = '';
    for (const coding of codings) {
      const { code, system } = coding;
      if (code === undefined) continue;
      const found = system !== undefined ? byKey.get(codeKey(system, code)) : codes.find((x) => x.code === code);
      if (found !== undefined) {
        const cs = await source.codeSystem(found.system);
        const concept = cs?.concepts.get(found.code);
        return checkDisplay(found.code, found.display ?? concept?.display, concept?.designations.map((d) => d.value) ?? [], coding.display);
      }
      message = `The code ${code.slice(0, 100)}${system !== undefined ? ` of system ${system.slice(0, 200)}` : ''} is not in the value set ${name.slice(0, 200)}`;
    }
    return parameters([{ name: 'result', valueBoolean: false }, { name: 'message', valueString: message }]);
  });
  return sendJson(c, 200, JSON.stringify(body));
}
