import type { Deps } from '../../env.js';
import { readInSession, withSession, type FhirContext } from '../context.js';
import { FhirError, outcome, type OutcomeIssue } from '../../core/errors.js';
import { isJsonObject, type JsonObject } from '../../core/json.js';
import { assertIdOfUrl } from '../interactions/resource.js';
import { jsonBody } from '../request.js';
import { sendJson } from '../respond.js';
import { validateResource } from '../validation/validate.js';

/*
 * $validate (R4 OperationDefinition Resource-validate), nothing stored:
 *   POST [base]/[type]/$validate        the resource, or a Parameters with `resource` (and `mode`)
 *   GET|POST [base]/[type]/[id]/$validate  the same, for that id; without a resource, the stored one
 * mode: create (the default at type level), update (needs the id, and the resource's id must be
 * it, as an update requires), delete (checks the resource exists: 404 if not). `profile` is not
 * supported. Answers 200 with an OperationOutcome of the issues (or one information issue).
 */

type Mode = 'create' | 'update' | 'delete';

interface ValidateRequest {
  resource: JsonObject | undefined;
  mode: Mode | undefined;
}

function modeOf(raw: string | undefined): Mode | undefined {
  if (raw === undefined) return undefined;
  if (raw === 'create' || raw === 'update' || raw === 'delete') return raw;
  if (raw === 'profile') throw new FhirError(400, 'not-supported', '$validate mode=profile is not supported: validation is against the base R4 definitions');
  throw FhirError.badRequest(`mode must be create, update or delete, got "${raw.slice(0, 40)}"`, ['mode']);
}

async function requestOf(c: FhirContext, type: string): Promise<ValidateRequest> {
  const query = c.req.query('mode');
  const body = c.req.method === 'POST' && (await c.req.text()).trim() !== '' ? jsonBody(c, `a ${type} or a Parameters`) : undefined;
  if (body === undefined) return { resource: undefined, mode: modeOf(query) };
  if (!isJsonObject(body)) throw FhirError.badRequest(`$validate on ${type} takes a ${type} or a Parameters`);
  if (body.resourceType !== 'Parameters' || type === 'Parameters') return { resource: body, mode: modeOf(query) };
  const parts = Array.isArray(body.parameter) ? body.parameter.filter(isJsonObject) : [];
  const part = parts.find((p) => p.name === 'resource');
  const mode = parts.find((p) => p.name === 'mode');
  if (part !== undefined && !isJsonObject(part.resource)) throw FhirError.badRequest('The "resource" parameter of $validate needs a resource');
  const given = mode === undefined ? query : typeof mode.valueCode === 'string' ? mode.valueCode : String(mode.valueString ?? '');
  return { resource: isJsonObject(part?.resource) ? part.resource : undefined, mode: modeOf(given) };
}

function answer(c: FhirContext, issues: OutcomeIssue[], ok: string): Response {
  return sendJson(c, 200, JSON.stringify(outcome(issues.length ? issues : [{ severity: 'information', code: 'informational', diagnostics: ok }])));
}

/** POST [base]/[type]/$validate */
export async function validateType(c: FhirContext, deps: Deps, type: string): Promise<Response> {
  if (c.req.method !== 'POST') throw FhirError.notAllowed('$validate takes the resource in a POST body');
  const { resource, mode } = await requestOf(c, type);
  if (mode === 'update' || mode === 'delete') throw FhirError.badRequest(`$validate mode=${mode} needs the id: [base]/${type}/[id]/$validate`, ['mode']);
  if (resource === undefined) throw FhirError.badRequest(`$validate on ${type} needs a ${type} resource`);
  if (resource.resourceType !== type) throw FhirError.badRequest(`$validate on ${type} takes a ${type} resource`);
  await withSession(c, deps, { check: 'admission', type }, async () => undefined);
  return answer(c, validateResource(resource), 'No issues: the resource is valid');
}

/** GET|POST [base]/[type]/[id]/$validate */
export async function validateInstance(c: FhirContext, deps: Deps, type: string, id: string): Promise<Response> {
  const { resource, mode } = await requestOf(c, type);
  if (mode === 'delete') {
    // Whether the delete could go ahead: the resource must exist (and be visible to the caller).
    const current = await readInSession(c, deps, type, id);
    if (current === undefined || current.deleted) throw FhirError.notFound(`${type}/${id} is not known`);
    return answer(c, [], `${type}/${id} exists and may be deleted`);
  }
  if (resource === undefined) {
    // No resource given: the stored one is validated.
    const current = await readInSession(c, deps, type, id);
    if (current === undefined || current.deleted || current.body === null) throw FhirError.notFound(`${type}/${id} is not known`);
    const stored: unknown = JSON.parse(current.body);
    return answer(c, isJsonObject(stored) ? validateResource(stored) : [], `No issues: ${type}/${id} is valid`);
  }
  if (resource.resourceType !== type) throw FhirError.badRequest(`$validate on ${type} takes a ${type} resource`);
  if (mode === 'update') assertIdOfUrl(resource, id);
  await withSession(c, deps, { check: 'admission', type }, async () => undefined);
  return answer(c, validateResource(resource), 'No issues: the resource is valid');
}
