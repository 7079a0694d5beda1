import type { Deps } from '../../env.js';
import { withSession, type FhirContext } from '../context.js';
import { FhirError } from '../errors.js';
import { patchResource, type PatchDoc } from '../patch/patch-resource.js';
import { idParam, ifMatch, resourceTypeParam, returnPreference } from '../request.js';
import { sendWritten } from '../respond.js';
import { conditionalQuery, findMatches, searchOptions } from './conditional.js';

/** JSON Patch (application/json-patch+json) or FHIRPath Patch (a Parameters resource in FHIR JSON). */
async function readPatch(c: FhirContext): Promise<PatchDoc> {
  const media = (c.req.header('content-type') ?? '').toLowerCase();
  let body: unknown;
  try {
    body = JSON.parse(await c.req.text());
  } catch {
    throw FhirError.badRequest('The patch is not valid JSON');
  }
  if (media.startsWith('application/json-patch+json')) return { kind: 'json-patch', body };
  if (/^application\/(fhir\+)?json/.test(media)) return { kind: Array.isArray(body) ? 'json-patch' : 'fhirpath', body };
  throw FhirError.unsupportedMediaType('PATCH takes application/json-patch+json or a FHIRPath Patch Parameters in application/fhir+json');
}

/** PATCH [base]/[type]/[id] (R4 §3.1.0.6). */
export const patch = (deps: Deps) => async (c: FhirContext) => {
  const type = resourceTypeParam(c, deps.config.sharedResourceTypes);
  const id = idParam(c);
  const doc = await readPatch(c);
  const expected = ifMatch(c);
  const preference = returnPreference(c);
  const { version } = await withSession(c, deps, { check: 'access', interaction: 'patch', type }, (repo) => patchResource(repo, type, id, doc, expected, { maxBytes: deps.config.maxBodyBytes }));
  return sendWritten(c, 200, version, preference, `Patched ${type}/${id}`);
};

/** PATCH [base]/[type]?criteria: exactly one match is patched; none 404, several 412. */
export const conditionalPatch = (deps: Deps) => async (c: FhirContext) => {
  const type = resourceTypeParam(c, deps.config.sharedResourceTypes);
  const criteria = conditionalQuery(c, type);
  const doc = await readPatch(c);
  const expected = ifMatch(c);
  const preference = returnPreference(c);
  const { version } = await withSession(c, deps, { check: 'access', interaction: 'patch', type }, async (repo) => {
    const found = await findMatches(searchOptions(c, deps), repo, type, criteria, 1);
    if (found.length > 1) throw FhirError.preconditionFailed(`The criteria match more than one ${type}`);
    if (!found[0]) throw FhirError.notFound(`No ${type} matches the criteria`);
    return patchResource(repo, type, found[0].id, doc, expected, { maxBytes: deps.config.maxBodyBytes });
  });
  return sendWritten(c, 200, version, preference, `Patched ${type}/${version.id}`);
};
