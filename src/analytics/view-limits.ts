import { tooCostly } from './errors.js';

/*
 * The caps that bound what one ViewDefinition may cost before and while it runs. The compiler is
 * linear in its input (no subexpression is compiled twice: shared ones are bound once), so these
 * bound the SQL text, the compile time and the rows a view can fan out to. Past a cap the view is
 * refused with 422 too-costly, never run (README: limits that are not settings).
 */

/** Characters of one FHIRPath expression (the longest in the SQL on FHIR suite is under 300). */
export const MAX_PATH_LENGTH = 4_096;
/** Brackets nested in one expression: parentheses, function arguments, indexes. */
export const MAX_PATH_NESTING = 32;
/** Depth of an expression's syntax tree (a chain `a.b.c` is one level per step). */
export const MAX_PATH_DEPTH = 256;
/**
 * Operators and function calls in all of one view's FHIRPath expressions together. The grammar's
 * parser (fhirpath.parse) spends about 0.4 ms on each (measured on fhirpath.js 5.2), in the event
 * loop every tenant shares: this keeps one view's parse under about 0.2 s, where the SQL on FHIR
 * suite's largest view has a few dozen.
 */
export const MAX_VIEW_PARSE_COST = 512;
/** Bytes of the SQL one view compiles to. */
export const MAX_VIEW_SQL_BYTES = 256 * 1024;
/** Paths of one `repeat`. */
export const MAX_REPEAT_PATHS = 8;
/** Levels `repeat` descends; deeper nodes are not visited (guards against paths like `$this`). */
export const MAX_REPEAT_DEPTH = 64;
/** Nodes one `repeat` may produce for one resource; more fails the query with 422 too-costly. */
export const MAX_REPEAT_ROWS = 10_000;

/** Throws when the SQL of a view, or the part compiled so far, is past MAX_VIEW_SQL_BYTES. */
export function checkSqlSize(bytes: number, at?: string): void {
  if (bytes > MAX_VIEW_SQL_BYTES) {
    throw tooCostly(`The view compiles to more than ${MAX_VIEW_SQL_BYTES / 1024} KiB of SQL`, at);
  }
}
