/**
 * Rewrites r4-example-rejections.json from the current validator. Review every change by hand:
 * an entry must be a real violation of the R4 definitions, otherwise fix the validator.
 *
 * Run: npx tsx test/fhir/validation/update-r4-rejections.ts
 */
import { writeFileSync } from 'node:fs';
import { FIXTURE, validateExamples } from './r4-examples.js';

const { total, rejected } = validateExamples();
const accepted = total - Object.keys(rejected).length;
writeFileSync(FIXTURE, `${JSON.stringify({ total, accepted, rejected }, null, 2)}\n`);
console.log(`${accepted}/${total} R4 examples accepted; ${Object.keys(rejected).length} rejections written`);
