import type { Deps } from '../../env.js';
import { withSession, type FhirContext } from '../context.js';
import { conditionalPatch as patchMatch, httpPatchDoc, patchById } from '../interactions/patch.js';
import { idParam, ifMatch, resourceTypeParam, returnPreference } from '../request.js';
import { sendWritten } from '../respond.js';
import { conditionalQuery, interactionOptions } from './options.js';

/** PATCH [base]/[type]/[id] (R4 §3.1.0.6): JSON Patch or FHIRPath Patch (interactions/patch.ts). */
export const patch = (deps: Deps) => async (c: FhirContext) => {
  const type = resourceTypeParam(c, deps);
  const id = idParam(c);
  const doc = httpPatchDoc(c.req.header('content-type'), c.var.body);
  const expected = ifMatch(c);
  const preference = returnPreference(c);
  const options = interactionOptions(c, deps);
  const { version } = await withSession(c, deps, { check: 'access', interaction: 'patch', type }, (repo) => patchById(repo, options, type, id, doc, expected));
  return sendWritten(c, 200, version, preference, `Patched ${type}/${id}`);
};

/** PATCH [base]/[type]?criteria: exactly one match is patched. */
export const conditionalPatch = (deps: Deps) => async (c: FhirContext) => {
  const type = resourceTypeParam(c, deps);
  const criteria = conditionalQuery(c, type);
  const doc = httpPatchDoc(c.req.header('content-type'), c.var.body);
  const expected = ifMatch(c);
  const preference = returnPreference(c);
  const options = interactionOptions(c, deps);
  const { version } = await withSession(c, deps, { check: 'access', interaction: 'patch', type }, (repo) => patchMatch(repo, options, type, criteria, doc, expected));
  return sendWritten(c, 200, version, preference, `Patched ${type}/${version.id}`);
};
