import type { FhirExtensions } from '../fhir/extensions.js';
import { RUN_OPERATIONS, runViewOperation } from './run-operation.js';
import { validateExtraResource, VIEW_DEFINITION } from './stored-types.js';

/**
 * SQL on FHIR as it plugs into the FHIR core (fhir/extensions.ts): ViewDefinition stored like a
 * resource (always shareable, validated here), and $run / $viewdefinition-run on it.
 */
export function analyticsExtensions(): FhirExtensions {
  return {
    storedTypes: new Map([[VIEW_DEFINITION, { validate: (resource) => validateExtraResource(VIEW_DEFINITION, resource) }]]),
    operations: new Map([...RUN_OPERATIONS].map((name) => [`${VIEW_DEFINITION}/${name}`, runViewOperation])),
    // The SQL on FHIR v2 IG's canonicals: $run (api/run), and its later name $viewdefinition-run.
    definitions: new Map([...RUN_OPERATIONS].map((name) => [`${VIEW_DEFINITION}/${name}`, `http://sql-on-fhir.org/OperationDefinition/${name}`])),
  };
}
