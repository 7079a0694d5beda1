import type { FhirExtensions } from '../extensions.js';
import { REINDEX_DEFINITION, reindexOperation } from './reindex-operation.js';

/** Per-tenant SearchParameters as they plug into the routes: $reindex at the system level and on a SearchParameter. */
export function searchParamExtensions(): FhirExtensions {
  return {
    storedTypes: new Map(),
    operations: new Map([['$reindex', reindexOperation], ['SearchParameter/$reindex', reindexOperation]]),
    definitions: new Map([['$reindex', REINDEX_DEFINITION], ['SearchParameter/$reindex', REINDEX_DEFINITION]]),
  };
}
