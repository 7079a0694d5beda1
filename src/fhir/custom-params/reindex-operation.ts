/**
 * $reindex (HAPI has one too): index rows of the tenant's existing resources rebuilt with its
 * current parameters, after a SearchParameter was added or changed.
 *   POST [base]/SearchParameter/{id}/$reindex   the resources of that parameter's base types
 *   POST [base]/$reindex                        every resource of the scope
 * One call does at most MAX_PER_CALL resources, BATCH per transaction, each transaction through
 * the session (the tenant's fair share, its access, its own table set only), and answers a
 * Parameters with the count and whether it is done; when not, `cursor` continues where it stopped
 * (`?cursor=` or a `cursor` part), so the work of a large tenant is never one long request.
 */
import { FhirError } from '../../core/errors.js';
import { isJsonObject, type JsonObject } from '../../core/json.js';
import { isResourceType } from '../../core/resource-types.js';
import type { Deps } from '../../env.js';
import { withSession, type FhirContext } from '../context.js';
import { fairShare, withSlot } from '../fair-share.js';
import { REINDEX_START, type ReindexCursor } from '../repository/reindex.js';
import { jsonBody } from '../request.js';
import { sendJson } from '../respond.js';
import { SEARCH_PARAMETER } from './writes.js';

export const REINDEX_DEFINITION = 'https://fhir-rls.dev/OperationDefinition/reindex';

const BATCH = 500;
const MAX_PER_CALL = 2_000;
const CURSOR = /^([A-Za-z]{1,64})\/([A-Za-z0-9.-]{1,64})$/;

function cursorOf(c: FhirContext): ReindexCursor {
  let text = c.req.query('cursor');
  const body = c.req.header('content-type') === undefined ? undefined : jsonBody(c, 'a Parameters');
  if (text === undefined && isJsonObject(body) && body.resourceType === 'Parameters' && Array.isArray(body.parameter)) {
    const part = body.parameter.find((p): p is JsonObject => isJsonObject(p) && p.name === 'cursor');
    if (typeof part?.valueString === 'string') text = part.valueString;
  }
  if (text === undefined) return REINDEX_START;
  const m = CURSOR.exec(text);
  if (!m) throw FhirError.badRequest('cursor must be the Type/id a previous $reindex answered', ['cursor']);
  return [m[1]!, m[2]!];
}

/** The base types of the SearchParameter (its own, or the shared set's on a tenant's base); 404 when none is visible. */
async function typesOf(c: FhirContext, deps: Deps, id: string): Promise<string[]> {
  const v = await withSession(c, deps, { check: 'access', interaction: 'read', type: SEARCH_PARAMETER }, (repo) => repo.read(SEARCH_PARAMETER, id));
  if (v === undefined || v.deleted || v.body === null) throw FhirError.notFound(`SearchParameter/${id} is not known`);
  const resource: unknown = JSON.parse(v.body);
  const base = isJsonObject(resource) && Array.isArray(resource.base) ? resource.base : [];
  return base.filter((b): b is string => typeof b === 'string' && isResourceType(b));
}

export async function reindexOperation(c: FhirContext, deps: Deps, id?: string): Promise<Response> {
  if (c.req.method !== 'POST') throw FhirError.notAllowed('$reindex changes the index: use POST');
  let after = cursorOf(c);
  const types = id === undefined ? undefined : await typesOf(c, deps, id);
  let processed = 0;
  let done = types !== undefined && types.length === 0;
  // Rewriting index rows is a write of the scope: the caller must be allowed to update
  // SearchParameters. Evaluating 500 resources' parameters is CPU-heavy work: a CPU slot of the
  // tenant's share too, not only its database slot (the session's).
  const cpu = fairShare(deps.db, deps.config).cpu;
  const tenant = c.var.scope.kind === 'tenant' ? c.var.scope.tenantId : '';
  while (!done && processed < MAX_PER_CALL) {
    const batch = await withSlot(cpu, tenant, deps.config.dbStartTimeoutMs, () => withSession(c, deps,
      { check: 'access', interaction: 'update', type: SEARCH_PARAMETER }, (repo) => repo.reindex(after, BATCH, types)));
    processed += batch.count;
    after = batch.last;
    done = batch.count < BATCH;
  }
  const parameter: JsonObject[] = [
    { name: 'processed', valueInteger: processed },
    { name: 'done', valueBoolean: done },
    ...(done ? [] : [{ name: 'cursor', valueString: `${after[0]}/${after[1]}` }]),
  ];
  return sendJson(c, 200, JSON.stringify({ resourceType: 'Parameters', parameter }));
}
