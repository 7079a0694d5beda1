import { EXPORT_JOB } from './export-job.js';
import { importJob } from './import-job.js';
import type { JobKind } from './jobs.js';
import { createJobRunner, startJobRunner, type JobHandler, type JobRunner, type RunnerDeps } from './runner.js';

/** The job kinds this server runs: one line per kind (bulk/export-job.ts, $import's handler). */
export function bulkJobHandlers(config: RunnerDeps['config']): Map<JobKind, JobHandler> {
  return new Map<JobKind, JobHandler>([['export', EXPORT_JOB], ['import', importJob(config)]]);
}

/** The Bulk Data job runner of this process (index.ts starts it with the server; tests with their server). */
export function startBulkRunner(deps: RunnerDeps): JobRunner {
  return startJobRunner(deps, bulkJobHandlers(deps.config));
}

/** The same runner, not started: tests drive it with round() and drain(). */
export function createBulkRunner(deps: RunnerDeps): JobRunner {
  return createJobRunner(deps, bulkJobHandlers(deps.config));
}
