import type { JsonObject } from '../../core/json.js';
import { parameters } from './params.js';

/**
 * The answer of $validate-code for a code that was found: true with its display, or false with
 * a message when the given display is neither the display nor a designation (R4: "if a display
 * is provided, the server validates it").
 */
export function checkDisplay(code: string, display: string | undefined, alternatives: string[], given: string | undefined): JsonObject {
  const parts: JsonObject[] = [];
  const ok = given === undefined || given === display || alternatives.includes(given);
  parts.push({ name: 'result', valueBoolean: ok });
  if (!ok) parts.push({ name: 'message', valueString: `The display "${given.slice(0, 200)}" is not a display of code ${code.slice(0, 100)}${display !== undefined ? ` (expected "${display.slice(0, 200)}")` : ''}` });
  if (display !== undefined) parts.push({ name: 'display', valueString: display });
  return parameters(parts);
}
