import { FhirError } from '../../core/errors.js';
import { decodeUtf8, parseJsonText, type JsonObject } from '../../core/json.js';
import { patchResource, type PatchDoc } from '../patch/patch-resource.js';
import type { Repository } from '../repository/repository.js';
import type { WriteResult } from '../repository/write.js';
import { oneMatch, type Criteria } from './criteria.js';
import type { InteractionOptions } from './options.js';

const JSON_PATCH_MEDIA = /^application\/json-patch\+json\s*(;|$)/i;
const JSON_MEDIA = /^application\/(fhir\+)?json\s*(;|$)/i;

/**
 * The patch of an HTTP PATCH (R4 §3.1.0.6): JSON Patch as application/json-patch+json, or in FHIR
 * JSON a FHIRPath Patch Parameters (a JSON array there is taken as a JSON Patch). `body` is the
 * JSON the body middleware parsed.
 */
export function httpPatchDoc(media: string | undefined, body: unknown): PatchDoc {
  const m = media ?? '';
  const kind = JSON_PATCH_MEDIA.test(m) ? 'json-patch' : JSON_MEDIA.test(m) ? (Array.isArray(body) ? 'json-patch' : 'fhirpath') : undefined;
  if (kind === undefined) throw FhirError.unsupportedMediaType('PATCH takes application/json-patch+json or a FHIRPath Patch Parameters in application/fhir+json');
  if (body === undefined) throw FhirError.badRequest('The patch is not valid JSON');
  return { kind, body };
}

/**
 * The patch of a PATCH entry of a Bundle: a JSON Patch travels as a Binary whose data is the patch
 * (R4 §3.1.0.11), decoded and checked here like an HTTP body; anything else is a FHIRPath Patch.
 */
export function entryPatchDoc(resource: JsonObject, maxJsonDepth: number): PatchDoc {
  if (resource.resourceType !== 'Binary' || typeof resource.data !== 'string') return { kind: 'fhirpath', body: resource };
  const what = 'The Binary of a PATCH entry';
  return { kind: 'json-patch', body: parseJsonText(decodeUtf8(Buffer.from(resource.data, 'base64'), what), maxJsonDepth, what) };
}

/** Conditional patch (R4 §3.1.0.6.1): one match is patched; none → 404, several → 412. */
export async function conditionalPatchId(repo: Repository, options: InteractionOptions, type: string, criteria: Criteria): Promise<string> {
  const match = await oneMatch(repo, options.search, type, criteria, 'The conditional patch');
  if (match === undefined) throw FhirError.notFound(`No ${type} matches the criteria`);
  return match.id;
}

/** A patch of the caller's own resource; a shared one is 409 (patchResource). */
export function patchById(repo: Repository, options: InteractionOptions, type: string, id: string, doc: PatchDoc, ifMatch: number | undefined): Promise<WriteResult> {
  return patchResource(repo, type, id, doc, ifMatch, { maxBytes: options.maxBodyBytes });
}

export async function conditionalPatch(repo: Repository, options: InteractionOptions, type: string, criteria: Criteria, doc: PatchDoc, ifMatch: number | undefined): Promise<WriteResult> {
  return patchById(repo, options, type, await conditionalPatchId(repo, options, type, criteria), doc, ifMatch);
}
