import { Hono } from 'hono';
import type { AppEnv, Deps } from '../env.js';
import type { FhirContext } from './context.js';
import { FhirError } from '../core/errors.js';
import { instanceHistory, systemHistory, typeHistory } from './handlers/history.js';
import { bundle } from './handlers/bundle.js';
import { metadata } from './handlers/metadata.js';
import { instanceOperation, systemOperation, typeOperation } from './handlers/operations.js';
import { conditionalPatch, patch } from './handlers/patch.js';
import { read, vread } from './handlers/read.js';
import { compartmentSearch, search, systemSearch } from './handlers/search.js';
import { conditionalDelete, conditionalUpdate, create, remove, update } from './handlers/write.js';

type Handler = (deps: Deps) => (c: FhirContext) => Promise<Response>;

/** An operation's path segment: `$` and its name (R4 §3.1.0.1.8). */
const OPERATION = '/:operation{\\$[A-Za-z-]+}';

/** The FHIR REST interactions (R4 §3.1.0), as a table. The same table serves every base. */
const ROUTES: [method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH', path: string, handler: Handler][] = [
  ['GET', '/metadata', metadata],
  ['GET', '/_history', systemHistory],
  ['GET', '/', systemSearch],
  ['POST', '/', bundle],
  ['POST', '/_search', systemSearch],
  // Before /:type and /:type/:id, which would take `$export` or `$expand` for a type or an id.
  ['GET', OPERATION, systemOperation],
  ['POST', OPERATION, systemOperation],
  // Bulk Data: DELETE on an export's status URL ([base]/$export-poll-status) cancels it.
  ['DELETE', OPERATION, systemOperation],
  ['GET', `/:type${OPERATION}`, typeOperation],
  ['GET', '/:type', search],
  ['POST', '/:type/_search', search],
  ['POST', '/:type', create],
  ['POST', '/:type/:operation', typeOperation],
  ['PUT', '/:type', conditionalUpdate],
  ['DELETE', '/:type', conditionalDelete],
  ['PATCH', '/:type', conditionalPatch],
  ['GET', '/:type/_history', typeHistory],
  ['GET', '/:type/:id', read],
  ['PUT', '/:type/:id', update],
  ['DELETE', '/:type/:id', remove],
  ['PATCH', '/:type/:id', patch],
  ['GET', '/:type/:id/_history', instanceHistory],
  ['GET', '/:type/:id/_history/:vid', vread],
  ['GET', `/:type/:id${OPERATION}`, instanceOperation],
  ['POST', `/:type/:id${OPERATION}`, instanceOperation],
  ['GET', '/:compartment/:id/:type', compartmentSearch],
  ['POST', '/:compartment/:id/_search', compartmentSearch],
  ['POST', '/:compartment/:id/:type/_search', compartmentSearch],
];

export function fhirRoutes(deps: Deps): Hono<AppEnv> {
  const app = new Hono<AppEnv>({ strict: false });
  for (const [method, path, handler] of ROUTES) app.on(method, [path], handler(deps));
  app.all('*', (c) => {
    const path = new URL(c.req.url).pathname;
    if (!['GET', 'POST', 'PUT', 'DELETE', 'PATCH'].includes(c.req.method)) {
      throw FhirError.notAllowed(`${c.req.method} is not a supported FHIR interaction`);
    }
    throw FhirError.notFound(`No FHIR interaction at ${c.req.method} ${path.slice(0, 200)}`);
  });
  return app;
}
