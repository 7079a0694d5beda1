import jsonpatch from 'fast-json-patch';
import { FhirError } from '../../core/errors.js';
import { isJsonObject, type JsonObject } from '../../core/json.js';
import { checkOperationCount, Growth, jsonBytes, type PatchLimits } from './patch-limits.js';

// Operations that are well-formed but cannot apply to this resource: 422. Anything else is a bad patch: 400.
const UNPROCESSABLE = new Set(['OPERATION_PATH_UNRESOLVABLE', 'TEST_OPERATION_FAILED', 'OPERATION_FROM_UNRESOLVABLE', 'OPERATION_PATH_ILLEGAL_ARRAY_INDEX']);

type Operation = jsonpatch.Operation & { from?: string; value?: unknown };

/**
 * The library's validator, except that it checks `from` of move/copy by resolving the pointer
 * (its own check clones the whole document for every such operation: quadratic in the patch).
 */
function validate(op: Operation, index: number, document: unknown, existingPath: string): void {
  if (op?.op !== 'move' && op?.op !== 'copy') {
    jsonpatch.validator(op, index, document, existingPath);
    return;
  }
  jsonpatch.validator(op, index);
  try {
    jsonpatch.applyOperation(document, { op: '_get', path: op.from!, value: undefined } as never, true);
  } catch (err) {
    if ((err as Error).name !== 'OPERATION_PATH_UNRESOLVABLE') throw err;
    throw new jsonpatch.JsonPatchError('Cannot perform the operation from a path that does not exist', 'OPERATION_FROM_UNRESOLVABLE', index, op, document);
  }
}

/** Bytes an operation puts into the document: its value, or for copy the value it copies. */
function added(doc: unknown, op: Operation): number {
  if (op?.op === 'add' || op?.op === 'replace') return jsonBytes(op.value);
  if (op?.op === 'copy' && typeof op.from === 'string') {
    try {
      return jsonBytes(jsonpatch.getValueByPointer(doc, op.from));
    } catch {
      return 0; // unresolvable: the operation itself fails with the library's error
    }
  }
  return 0;
}

/**
 * RFC 6902 JSON Patch, applied to a copy with fast-json-patch, one operation at a time: each
 * validated against the document as it is then, its growth counted before it applies, and writes
 * to __proto__/constructor refused by the library.
 */
export function applyJsonPatch(resource: JsonObject, patch: unknown, limits: PatchLimits): JsonObject {
  if (!Array.isArray(patch)) throw FhirError.badRequest('A JSON Patch is an array of operations (RFC 6902)');
  checkOperationCount(patch.length);
  const growth = new Growth(resource, limits);
  let doc: unknown = structuredClone(resource);
  (patch as Operation[]).forEach((op, index) => {
    try {
      growth.add(added(doc, op), op?.op === 'copy');
      doc = jsonpatch.applyOperation(doc, op, (o, _i, d, path) => validate(o as Operation, index, d, path), true, true, index).newDocument;
    } catch (err) {
      if (err instanceof FhirError) throw err;
      const name = err instanceof Error ? err.name : '';
      const message = err instanceof Error ? err.message.split('\n')[0] : 'invalid patch';
      const where = ` operation ${index}`;
      if (UNPROCESSABLE.has(name)) throw FhirError.unprocessable(`JSON Patch${where}: ${message}`);
      throw FhirError.badRequest(`JSON Patch${where}: ${message}`);
    }
  });
  if (!isJsonObject(doc)) throw FhirError.unprocessable('The patch does not leave a resource');
  return doc;
}
