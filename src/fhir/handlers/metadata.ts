import type { Deps } from '../../env.js';
import { capabilityStatement } from '../capability.js';
import { withRepository, type FhirContext } from '../context.js';
import { sendJson } from '../respond.js';

const SOFTWARE = { name: 'fhir-rls', version: '0.1.0' };

/** GET [base]/metadata: the tenant must exist and be active, like for any other interaction. */
export const metadata = (deps: Deps) => async (c: FhirContext) => {
  await withRepository(c, deps, 'read', async () => undefined);
  return sendJson(c, 200, JSON.stringify(capabilityStatement({
    base: c.var.fhirBase,
    scope: c.var.scope.kind,
    sharedTypes: deps.config.sharedResourceTypes,
    software: SOFTWARE,
  })));
};
