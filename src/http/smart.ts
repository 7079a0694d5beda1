import { Hono } from 'hono';
import { authConfigured, type Config } from '../config.js';
import { TENANT_ID } from '../core/ids.js';
import type { AppEnv } from '../env.js';
import { FhirError } from '../core/errors.js';

export const SMART_CONFIGURATION = '/.well-known/smart-configuration';

/**
 * The SMART App Launch 2.0 discovery document (§Conformance: smart-configuration), built from
 * configuration: this server only verifies tokens, the authorization server is elsewhere. Without
 * a token endpoint there is nothing a client could use, so no document either.
 */
export function smartConfiguration(config: Config): Record<string, unknown> | undefined {
  const smart = config.smart;
  if (!authConfigured(config.auth) || smart.tokenUrl === undefined) return undefined;
  const doc: Record<string, unknown> = {};
  if (smart.issuer !== undefined) doc.issuer = smart.issuer;
  if (smart.jwksUrl !== undefined) doc.jwks_uri = smart.jwksUrl;
  if (smart.authorizeUrl !== undefined) doc.authorization_endpoint = smart.authorizeUrl;
  doc.token_endpoint = smart.tokenUrl;
  doc.grant_types_supported = smart.authorizeUrl === undefined ? ['client_credentials'] : ['authorization_code', 'client_credentials'];
  doc.token_endpoint_auth_methods_supported = ['private_key_jwt', 'client_secret_basic'];
  if (smart.scopesSupported !== undefined) doc.scopes_supported = smart.scopesSupported;
  if (smart.authorizeUrl !== undefined) doc.response_types_supported = ['code'];
  doc.capabilities = smart.capabilities;
  // SMART 2.0: S256 is required, plain is forbidden.
  doc.code_challenge_methods_supported = ['S256'];
  return doc;
}

/**
 * `[base]/.well-known/smart-configuration` on the three bases, mounted before authentication: a
 * client reads it before it has a token. It names no tenant's data and opens nothing else: only
 * these exact GET paths are answered here. With token verification off (gateway mode) the
 * gateway owns authorization: 404.
 */
export function smartRoutes(config: Config): Hono<AppEnv> {
  const app = new Hono<AppEnv>({ strict: false });
  const answer = (tenant?: string) => {
    if (tenant !== undefined && !TENANT_ID.test(tenant)) throw FhirError.badRequest(`Invalid tenant id in the URL: expected ${TENANT_ID.source}`);
    const doc = smartConfiguration(config);
    if (doc === undefined) throw FhirError.notFound('SMART on FHIR is not configured on this server (token verification and SMART_TOKEN_URL)');
    return doc;
  };
  app.get(`/fhir${SMART_CONFIGURATION}`, (c) => c.json(answer()));
  app.get(`/shared/fhir${SMART_CONFIGURATION}`, (c) => c.json(answer()));
  app.get(`/tenants/:tenant/fhir${SMART_CONFIGURATION}`, (c) => c.json(answer(c.req.param('tenant'))));
  return app;
}
