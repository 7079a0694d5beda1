import { authConfigured } from '../../config.js';
import type { Deps } from '../../env.js';
import { capabilityStatement } from '../capability.js';
import { withSession, type FhirContext } from '../context.js';
import { sendJson } from '../respond.js';
import { tenantSettings } from '../tenant-settings.js';
import { FhirError } from '../../core/errors.js';
import { terminologyCapabilities } from '../terminology/terminology-capabilities.js';

const SOFTWARE = { name: 'fhir-rls', version: '0.1.0' };

/** GET [base]/metadata: the tenant must exist and be active, like for any other interaction. */
export const metadata = (deps: Deps) => async (c: FhirContext) => {
  // R4 capabilities: mode=full (the default) and normative are the same statement here.
  const mode = c.req.query('mode');
  if (mode === 'terminology') return terminologyCapabilities(c, deps, SOFTWARE);
  if (mode !== undefined && mode !== 'full' && mode !== 'normative') throw FhirError.badRequest(`Unknown mode "${mode.slice(0, 40)}": use full, normative or terminology`, ['mode']);
  const { tenant, params } = await withSession(c, deps, { check: 'admission' }, async (repo, info) => ({ ...info, params: await repo.searchParams() }));
  return sendJson(c, 200, JSON.stringify(capabilityStatement({
    base: c.var.fhirBase,
    scope: c.var.scope.kind,
    sharedTypes: deps.config.sharedResourceTypes,
    software: SOFTWARE,
    enabledTypes: tenant ? tenantSettings(tenant).resourceTypes : undefined,
    operations: deps.extensions.definitions,
    smart: authConfigured(deps.config.auth) ? { authorize: deps.config.smart.authorizeUrl, token: deps.config.smart.tokenUrl } : undefined,
    cors: deps.config.corsOrigins.length > 0,
    params,
  })));
};
