/**
 * npm run generate: every generator, each writing its committed files under src/ from the
 * official R4 package. test/scripts/generated.test.ts fails when a committed file differs.
 */
import { generateDefinitions } from './build-definitions.js';
import { generateRules } from './build-rules.js';
import { generateSummary } from './build-summary.js';
import { isMain, writeGenerated, type GeneratedFile } from './lib/generated.js';

/** Each generator by its npm script (`npm run generate:<name>`). */
export const GENERATORS: Record<string, () => GeneratedFile[]> = {
  definitions: generateDefinitions,
  summary: generateSummary,
  rules: generateRules,
};

if (isMain(import.meta.url)) writeGenerated(Object.values(GENERATORS).flatMap((generate) => generate()));
