import { FhirError } from '../../core/errors.js';

/*
 * Bounds on what one terminology request may cost (docs/architecture.md, "Cost"): the codes an
 * expansion may hold (an `:in` search binds them as two arrays), the concepts read from one
 * CodeSystem, how deep compose imports and concept nesting may go, and how many resources one
 * request may load.
 */

/** Most codes of one expansion, before `filter`, `offset` and `count` (HAPI's default maximum is 1,000). */
export const MAX_EXPANSION = 10_000;
/** Most concepts of one CodeSystem that are read into its hierarchy. */
export const MAX_CONCEPTS = 100_000;
/** Nesting of `concept` in a CodeSystem, and of `valueSet` imports in a compose. */
export const MAX_DEPTH = 32;
/** CodeSystems, ValueSets and ConceptMaps one request may load. */
export const MAX_LOADS = 50;

export function tooCostly(message: string): FhirError {
  return new FhirError(400, 'too-costly', message);
}
