import { FhirError } from '../../core/errors.js';
import { isJsonObject, type JsonObject } from '../../core/json.js';
import type { Repository } from '../repository/repository.js';
import { checkIfMatch } from '../repository/write.js';
import { applyFhirPathPatch } from './fhirpath-patch.js';
import { applyJsonPatch } from './json-patch.js';
import { checkResultSize, type PatchLimits } from './patch-limits.js';

export type PatchDoc = { kind: 'json-patch' | 'fhirpath'; body: unknown };

// A patch may change the content, never what identifies the resource or its version (server-owned).
function assertIdentityKept(before: JsonObject, after: JsonObject): void {
  const meta = (r: JsonObject) => (isJsonObject(r.meta) ? r.meta.versionId : undefined);
  for (const [what, a, b] of [['resourceType', before.resourceType, after.resourceType], ['id', before.id, after.id], ['meta.versionId', meta(before), meta(after)]] as const) {
    if (a !== b) throw FhirError.unprocessable(`A patch may not change ${what}`, [what]);
  }
}

export async function patchResource(repo: Repository, type: string, id: string, doc: PatchDoc, expected: number | undefined, limits: PatchLimits) {
  const current = await repo.readForUpdate(type, id);
  if (current === undefined) {
    const elsewhere = await repo.read(type, id);
    if (elsewhere?.set === 'shared') throw FhirError.conflict(`${type}/${id} belongs to the shared set; change it through /shared/fhir`);
    throw FhirError.notFound(`${type}/${id} is not known`);
  }
  if (current.deleted || current.body === null) throw FhirError.gone(`${type}/${id} has been deleted`);
  checkIfMatch(expected, { version_id: current.versionId }, `${type}/${id}`);
  const before = JSON.parse(current.body) as JsonObject;
  const after = doc.kind === 'json-patch' ? applyJsonPatch(before, doc.body, limits) : applyFhirPathPatch(before, doc.body);
  checkResultSize(after, limits);
  assertIdentityKept(before, after);
  try {
    return await repo.write(type, id, after, { interaction: 'patch' });
  } catch (err) {
    // R4 §3.1.0.6: a patch whose result is not a valid resource is unprocessable, not malformed.
    if (err instanceof FhirError && err.status === 400) throw new FhirError(422, 'processing', err.message, { issues: err.issues, expression: err.expression });
    throw err;
  }
}

