import type { Deps } from '../../env.js';
import { withSession, type FhirContext } from '../context.js';
import { FhirError, outcome } from '../../core/errors.js';
import { isJsonObject } from '../../core/json.js';
import { idParam, jsonBody, resourceTypeParam } from '../request.js';
import { sendJson } from '../respond.js';
import { validateResource } from '../validation/validate.js';

/**
 * POST [base]/[type]/$validate (R4 Resource-validate): the resource itself, or a Parameters with a
 * `resource` part. Answers 200 with an OperationOutcome of the issues (or one information issue);
 * nothing is stored. Runs inside the tenant's door like any request, so unknown and suspended
 * tenants are refused as usual.
 */
async function validate(c: FhirContext, deps: Deps, type: string): Promise<Response> {
  const body = jsonBody(c, `a ${type} or a Parameters`);
  let resource: unknown = body;
  if (isJsonObject(body) && body.resourceType === 'Parameters' && type !== 'Parameters') {
    const param = Array.isArray(body.parameter) ? body.parameter.find((p) => isJsonObject(p) && p.name === 'resource') : undefined;
    resource = isJsonObject(param) ? param.resource : undefined;
    if (!isJsonObject(resource)) throw FhirError.badRequest('Parameters for $validate need a "resource" parameter');
  }
  if (!isJsonObject(resource) || resource.resourceType !== type) {
    throw FhirError.badRequest(`$validate on ${type} takes a ${type} resource`);
  }
  await withSession(c, deps, { check: 'admission', type }, async () => undefined);
  const issues = validateResource(resource);
  return sendJson(c, 200, JSON.stringify(outcome(issues.length ? issues : [{ severity: 'information', code: 'informational', diagnostics: 'No issues: the resource is valid' }])));
}

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
  if (operation === '$validate') {
    if (c.req.method !== 'POST') throw FhirError.notAllowed('$validate takes the resource in a POST body');
    return validate(c, deps, type);
  }
  const handler = deps.extensions.operations.get(`${type}/${operation ?? ''}`);
  if (handler) return handler(c, deps);
  throw FhirError.notFound(`Operation ${String(operation).slice(0, 60)} is not supported on ${type}`);
};

/** GET|POST [base]/[type]/[id]/$operation */
export const instanceOperation = (deps: Deps) => async (c: FhirContext) => {
  const type = resourceTypeParam(c, deps);
  const id = idParam(c);
  const operation = c.req.param('operation') ?? '';
  const handler = deps.extensions.operations.get(`${type}/${operation}`);
  if (handler) return handler(c, deps, id);
  throw FhirError.notFound(`Operation ${operation.slice(0, 60)} is not supported on ${type}/${id}`);
};
