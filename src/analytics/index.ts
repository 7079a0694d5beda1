/** SQL on FHIR v2: ViewDefinition -> PostgreSQL (see compile-view.ts). */
export {
  compileViewDefinition,
  TENANT_AND_SHARED_SOURCE,
  type CompiledView,
  type CompileOptions,
  type ViewColumn,
} from './compile-view.js';
export type { SqlType } from './column-types.js';
export { ViewDefinitionError, viewRuntimeErrorMessage, RUNTIME_ERROR_MARKER, type ViewErrorKind } from './errors.js';
export { literal, quoteIdent } from './sql-text.js';
