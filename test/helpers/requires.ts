import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PG_BIN, canStartClusters } from './pg-cluster.js';

/*
 * Tests that can run only on some backends or machines. A skip must never look like a pass: the
 * title of a skipped test says what it needs, and the reason is printed when the file loads.
 * Data the tests need is in the repository (test/fixtures), so it is never a reason to skip.
 */

export interface Requirement {
  met: boolean;
  what: string;
}

const onPostgres = Boolean(process.env.TEST_DATABASE_URL);

export const POSTGRES: Requirement = { met: onPostgres, what: 'TEST_DATABASE_URL (a real PostgreSQL)' };
export const PGLITE: Requirement = { met: !onPostgres, what: 'the embedded PGlite (TEST_DATABASE_URL unset)' };
/** Clusters of the test's own beside the shared server: the faults suite stops and kills them. */
export const OWN_CLUSTERS: Requirement = { met: onPostgres && canStartClusters(), what: `TEST_DATABASE_URL and the PostgreSQL binaries in ${PG_BIN}` };
export const PSQL_BINARY: Requirement = { met: existsSync(join(PG_BIN, 'psql')), what: `psql in ${PG_BIN}` };
export const NO_POOLER: Requirement = { met: !process.env.TEST_PGBOUNCER_PORT, what: 'a direct connection (behind PgBouncer nothing is prepared)' };

/** The title to give a test or suite that runs only when `r` is met (with `it.runIf(r.met)`). */
export function needs(r: Requirement, title: string): string {
  if (r.met) return title;
  console.warn(`skipped: "${title}" needs ${r.what}`);
  return `${title} [skipped: needs ${r.what}]`;
}
/** The browser tests of the console drive Debian's chromium (.ci/run installs it). */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const CHROMIUM: Requirement = { met: existsSync(CHROMIUM_PATH), what: `chromium at ${CHROMIUM_PATH} (apt-get install chromium)` };
