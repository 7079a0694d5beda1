import jsonpatch from 'fast-json-patch';
import { FhirError } from '../errors.js';
import { isJsonObject, type JsonObject } from '../json.js';

// Operations that are well-formed but cannot apply to this resource: 422. Anything else is a bad patch: 400.
const UNPROCESSABLE = new Set(['OPERATION_PATH_UNRESOLVABLE', 'TEST_OPERATION_FAILED', 'OPERATION_FROM_UNRESOLVABLE', 'OPERATION_PATH_ILLEGAL_ARRAY_INDEX']);

/**
 * RFC 6902 JSON Patch, applied to a copy with fast-json-patch: every operation validated first,
 * and writes to __proto__/constructor refused by the library.
 */
export function applyJsonPatch(resource: JsonObject, patch: unknown): JsonObject {
  if (!Array.isArray(patch)) throw FhirError.badRequest('A JSON Patch is an array of operations (RFC 6902)');
  let result: unknown;
  try {
    const error = jsonpatch.validate(patch as jsonpatch.Operation[], resource);
    if (error) throw error;
    result = jsonpatch.applyPatch(structuredClone(resource), patch as jsonpatch.Operation[], true, true, true).newDocument;
  } catch (err) {
    const name = err instanceof Error ? err.name : '';
    const message = err instanceof Error ? err.message.split('\n')[0] : 'invalid patch';
    const index = (err as { index?: number }).index;
    const where = index === undefined ? '' : ` operation ${index}`;
    if (UNPROCESSABLE.has(name)) throw FhirError.unprocessable(`JSON Patch${where}: ${message}`);
    throw FhirError.badRequest(`JSON Patch${where}: ${message}`);
  }
  if (!isJsonObject(result)) throw FhirError.unprocessable('The patch does not leave a resource');
  return result;
}
