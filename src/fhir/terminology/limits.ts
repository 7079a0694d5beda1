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
/**
 * Concepts one request may scan while applying compose filters (each filter reads up to the whole
 * CodeSystem; the number of filters of an include is not otherwise bounded): ten filters on the
 * largest CodeSystem. 20,000 filters on a 9,000-concept CodeSystem held the event loop 90 s.
 */
export const MAX_SCANNED = 10 * MAX_CONCEPTS;
/** CodeSystems, ValueSets and ConceptMaps one request may load. */
export const MAX_LOADS = 50;

export function tooCostly(message: string): FhirError {
  return new FhirError(400, 'too-costly', message);
}
