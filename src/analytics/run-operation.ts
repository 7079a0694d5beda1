import type { Deps } from '../env.js';
import { withSession, type FhirContext } from '../fhir/context.js';
import { FhirError } from '../core/errors.js';
import type { Repository } from '../fhir/repository/repository.js';
import { jsonBody } from '../fhir/request.js';
import { CONTENT_TYPES, formatRows } from './run-format.js';
import { parseRunRequest, referencedViewId, type RunRequest } from './run-parameters.js';
import { parseViewDefinition } from './view-definition.js';
import { VIEW_DEFINITION } from './stored-types.js';
import { runView } from './run-view.js';

/*
 * The HTTP side of $run (alias $viewdefinition-run), SQL on FHIR v2:
 *   POST [base]/ViewDefinition/$run            Parameters: viewResource | viewReference, _format, _limit, header
 *   GET|POST [base]/ViewDefinition/{id}/$run   the stored view; _format, _limit, header in the query (or body)
 * One request transaction of the base's scope (a tenant: its rows plus the shared ones of
 * shareable types; /shared/fhir: the shared set), so RLS bounds what any view can read.
 */

export const RUN_OPERATIONS: ReadonlySet<string> = new Set(['$run', '$viewdefinition-run']);

async function body(c: FhirContext): Promise<unknown> {
  if (c.req.method !== 'POST') return undefined;
  // No body at all is no parameters, whatever its media type says.
  if ((await c.req.text()).trim() === '') return undefined;
  return jsonBody(c, 'a Parameters resource');
}

async function storedView(repo: Repository, id: string): Promise<unknown> {
  const v = await repo.read(VIEW_DEFINITION, id);
  if (v === undefined) throw FhirError.notFound(`ViewDefinition/${id} is not known`);
  if (v.deleted || v.body === null) throw FhirError.gone(`ViewDefinition/${id} has been deleted`);
  return JSON.parse(v.body);
}

function viewSource(req: RunRequest, id: string | undefined): { view?: unknown; id?: string } {
  const given = [req.view !== undefined, req.reference !== undefined, id !== undefined].filter(Boolean).length;
  if (given !== 1) {
    throw FhirError.badRequest(id === undefined
      ? '$run needs exactly one of viewResource and viewReference'
      : 'ViewDefinition/{id}/$run runs the stored view: send no viewResource or viewReference');
  }
  if (req.view !== undefined) return { view: req.view };
  return { id: id ?? referencedViewId(req.reference!) };
}

/** `id`: the instance-level form. */
export async function runViewOperation(c: FhirContext, deps: Deps, id?: string): Promise<Response> {
  const req = parseRunRequest(new URL(c.req.url).searchParams, await body(c));
  const source = viewSource(req, id);
  const view = source.view ?? (await withSession(c, deps, { check: 'access', interaction: 'read', type: VIEW_DEFINITION }, (repo) => storedView(repo, source.id!)));
  // The view reads resources of its type: the request is a search of that type for access checks.
  const type = parseViewDefinition(view).resource;
  const result = await withSession(c, deps, { check: 'access', interaction: 'search', type }, (repo) => repo.readWith((tx, s) => runView(tx, s, view, req.limit)));
  return c.body(formatRows(result, req.format, req.header), 200, { 'Content-Type': CONTENT_TYPES[req.format] });
}
