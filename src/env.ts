import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Config } from './config.js';
import type { Database } from './db/database.js';
import type { Logger } from './log.js';
import type { Principal } from './auth/principal.js';
import type { PolicyStore } from './auth/policy-store.js';
import type { RateLimiter } from './auth/rate-limit.js';
import type { TokenVerifier } from './auth/token.js';
import type { Scope } from './core/scope.js';
import type { FhirExtensions } from './fhir/extensions.js';

/** What the server is built from; tests build their own. */
export interface BaseDeps {
  db: Database;
  config: Config;
  log: Logger;
}

/** Built once by createApp from the base: access policies, token verification, rate limits. */
export interface Services {
  policies: PolicyStore;
  verifier: TokenVerifier | undefined;
  limiter: RateLimiter;
}

export interface Deps extends BaseDeps {
  services: Services;
  /** What features above the FHIR core (analytics) plug into it. */
  extensions: FhirExtensions;
}

/** The one Hono context type. */
export interface AppEnv {
  /** @hono/node-server's objects (absent under app.request in tests). */
  Bindings: { incoming?: IncomingMessage; outgoing?: ServerResponse };
  Variables: {
    requestId: string;
    /** The request body's bytes (http/request-body.ts); absent for GET, HEAD and an empty body. */
    bodyBytes?: Uint8Array;
    log: Logger;
    /** Set by the FHIR base middleware. */
    scope: Scope;
    /** The base the request came in on, e.g. http://host/tenants/acme/fhir: every URL we write uses it. */
    fhirBase: string;
    /** Who is calling (set by the auth middleware on every route but /healthz). */
    principal: Principal;
    /** The JSON body, parsed once (src/http/json-body.ts); undefined without one or in another media type. */
    body: unknown;
  };
}
