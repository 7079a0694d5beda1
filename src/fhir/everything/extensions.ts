import type { FhirExtensions } from '../extensions.js';
import { patientEverything } from './operation.js';

/** Patient/$everything as it plugs into the FHIR core's operations (fhir/extensions.ts). */
export function everythingExtensions(): FhirExtensions {
  return {
    storedTypes: new Map(),
    operations: new Map([['Patient/$everything', patientEverything]]),
    definitions: new Map([['Patient/$everything', 'http://hl7.org/fhir/OperationDefinition/Patient-everything']]),
  };
}
