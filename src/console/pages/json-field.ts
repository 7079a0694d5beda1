import { FhirError } from '../../core/errors.js';

/** A JSON textarea of a form: undefined when left empty, a 400 naming the field when it is not JSON. */
export function parseJsonField(text: string, name: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch (err) {
    throw FhirError.badRequest(`${name} is not JSON: ${err instanceof Error ? err.message : 'parse error'}`, [name]);
  }
}
