import type { Deps } from '../../env.js';
import type { FhirContext } from '../context.js';
import { FhirError } from '../../core/errors.js';
import { idParam, resourceTypeParam } from '../request.js';
import { validateInstance, validateType } from './validate.js';

/** GET|POST [base]/$operation */
export const systemOperation = (deps: Deps) => async (c: FhirContext) => {
  const operation = c.req.param('operation') ?? '';
  const handler = deps.extensions.operations.get(operation);
  if (handler) return handler(c, deps);
  throw FhirError.notFound(`Operation ${operation.slice(0, 60)} is not supported at the system level`);
};

/** GET|POST [base]/[type]/$operation */
export const typeOperation = (deps: Deps) => async (c: FhirContext) => {
  const type = resourceTypeParam(c, deps);
  const operation = c.req.param('operation');
  if (operation === '$validate') return validateType(c, deps, type);
  const handler = deps.extensions.operations.get(`${type}/${operation ?? ''}`);
  if (handler) return handler(c, deps);
  throw FhirError.notFound(`Operation ${String(operation).slice(0, 60)} is not supported on ${type}`);
};

/** GET|POST [base]/[type]/[id]/$operation */
export const instanceOperation = (deps: Deps) => async (c: FhirContext) => {
  const type = resourceTypeParam(c, deps);
  const id = idParam(c);
  const operation = c.req.param('operation') ?? '';
  if (operation === '$validate') return validateInstance(c, deps, type, id);
  const handler = deps.extensions.operations.get(`${type}/${operation}`);
  if (handler) return handler(c, deps, id);
  throw FhirError.notFound(`Operation ${operation.slice(0, 60)} is not supported on ${type}/${id}`);
};
