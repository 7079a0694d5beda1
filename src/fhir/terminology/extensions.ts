import type { FhirExtensions, OperationHandler } from '../extensions.js';
import { codeSystemValidateOperation, lookupOperation, subsumesOperation } from './codesystem-operations.js';
import { expandOperation } from './expand-operation.js';
import { translateOperation } from './translate-operation.js';
import { valueSetValidateOperation } from './valueset-validate.js';

/*
 * Terminology as it plugs into the FHIR core (fhir/extensions.ts): the R4 terminology
 * operations on the scope's CodeSystems, ValueSets and ConceptMaps (a tenant's own and the
 * shared set), at type and instance level, GET and POST.
 */

const R4 = 'http://hl7.org/fhir/OperationDefinition';

const OPERATIONS: [key: string, handler: OperationHandler, definition: string][] = [
  ['ValueSet/$expand', expandOperation, `${R4}/ValueSet-expand`],
  ['ValueSet/$validate-code', valueSetValidateOperation, `${R4}/ValueSet-validate-code`],
  ['CodeSystem/$lookup', lookupOperation, `${R4}/CodeSystem-lookup`],
  ['CodeSystem/$validate-code', codeSystemValidateOperation, `${R4}/CodeSystem-validate-code`],
  ['CodeSystem/$subsumes', subsumesOperation, `${R4}/CodeSystem-subsumes`],
  ['ConceptMap/$translate', translateOperation, `${R4}/ConceptMap-translate`],
];

export function terminologyExtensions(): FhirExtensions {
  return {
    storedTypes: new Map(),
    operations: new Map(OPERATIONS.map(([key, handler]) => [key, handler])),
    definitions: new Map(OPERATIONS.map(([key, , definition]) => [key, definition])),
  };
}
