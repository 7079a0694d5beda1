import { compileViewDefinition } from './compile-view.js';
import { invalidView, ViewDefinitionError } from './errors.js';

/*
 * Resource types this server stores that are not R4 resource types. SQL on FHIR v2's
 * ViewDefinition is the one: it lives in the shared set (written on /shared/fhir with the
 * privileged credential, read by every tenant through its own base like any shareable type) and
 * a tenant may keep its own. The R4 validator and search registry do not know these types, so
 * each has its own validator here and no search parameters (searches on it ignore them).
 */
export const VIEW_DEFINITION = 'ViewDefinition';

const EXTRA_TYPES: ReadonlySet<string> = new Set([VIEW_DEFINITION]);

export function isExtraStoredType(type: string): boolean {
  return EXTRA_TYPES.has(type);
}

const STATUS = new Set(['draft', 'active', 'retired', 'unknown']);

/**
 * Refuses (ViewDefinitionError, 400) a resource of an extra type that breaks its definition. A
 * ViewDefinition must compile; one that uses FHIRPath the compiler does not translate is still
 * a valid resource and is stored ($run answers 422 for it).
 */
export function validateExtraResource(type: string, resource: Record<string, unknown>): void {
  if (type !== VIEW_DEFINITION) throw invalidView(`${type} is not a stored type`);
  if (typeof resource.status !== 'string' || !STATUS.has(resource.status)) {
    throw invalidView('status must be one of draft, active, retired, unknown', 'ViewDefinition.status');
  }
  try {
    compileViewDefinition(resource);
  } catch (err) {
    if (err instanceof ViewDefinitionError && err.kind === 'not-supported') return;
    throw err;
  }
}
