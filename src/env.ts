import type { Config } from './config.js';
import type { Database } from './db/database.js';
import type { Logger } from './log.js';

/** What the server is built from; tests build their own. */
export interface Deps {
  db: Database;
  config: Config;
  log: Logger;
}

/** Which table set a FHIR request works on: one tenant's (plus shared reads), or the shared set. */
export type Scope = { kind: 'tenant'; tenantId: string } | { kind: 'shared' };

/** The one Hono context type (DESIGN.md §5.5). */
export interface AppEnv {
  Variables: {
    requestId: string;
    log: Logger;
    /** Set by the FHIR base middleware. */
    scope: Scope;
    /** The base the request came in on, e.g. http://host/tenants/acme/fhir: every URL we write uses it. */
    fhirBase: string;
    /** The caller presented the admin credential. */
    isAdmin: boolean;
  };
}
