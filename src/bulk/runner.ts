import type { Database, Tx } from '../db/database.js';
import { sqlState } from '../db/database.js';
import { withAdmin, withTenant, withTenantData, type TenantRecord } from '../db/doors.js';
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import { FhirError } from '../core/errors.js';
import type { JsonObject } from '../core/json.js';
import { fairShare, withSlot } from '../fhir/fair-share.js';
import { appendFilePart, getJob, JOB_ID, type FilePart, type Job, type JobKind } from './jobs.js';

/*
 * The durable job runner of the Bulk Data API: one loop per server process, any number of
 * processes on one database.
 *
 * A job is a row (sql/0018); a kind's handler advances it one bounded step at a time. Each step is
 * one transaction through the tenant's door (withTenant: fhir_app, the keyed tenant context, RLS)
 * that locks the job row (FOR UPDATE SKIP LOCKED: another process skips it), runs the step, and
 * writes the step's file parts and the new progress before it commits. So a crash or a stop
 * loses at most the step in progress (rolled back, its lock released), and whoever claims the job
 * next resumes from the last checkpoint.
 *
 * Finding work across tenants is the one thing done outside a tenant: fhir_admin.bulk_jobs_due,
 * a SECURITY DEFINER function that needs the admin context (the server's key), returns only
 * (tenant, job) pairs, never a row of data. Per-tenant polling would have to list the tenants
 * (an admin read anyway) and cost one transaction per tenant per tick; the function is one.
 *
 * Fairness: each round takes at most one job per tenant (the least recently advanced), runs at
 * most BULK_WORKERS steps at once, and each step holds one of its tenant's pool slots
 * (fhir/fair-share.ts): an export competes with its own tenant's requests, never another's, and a
 * tenant with many jobs gets no more rounds than one with one.
 */

/** What a step may use besides its transaction. */
export interface StepContext {
  /** The tenant's registry row (its config: settings such as enabled types). */
  readonly tenant: TenantRecord;
  /** Resources (or lines) one step should handle at most (BULK_CHUNK_SIZE). */
  readonly chunkSize: number;
  /** Appends a part to one of the job's files; it commits with the step. */
  appendFile(part: FilePart): Promise<void>;
}

export interface StepResult {
  /** The new checkpoint; the next step gets it as job.progress. */
  progress: JsonObject;
  /** True when the job is complete (the files written so far are its output). */
  done: boolean;
}

/**
 * One kind of job. `step` runs in the job's transaction with the job row locked; it must do a
 * bounded amount of work (about ctx.chunkSize items) and return where it stopped. Throwing a
 * FhirError of status < 500 fails the job with that OperationOutcome; anything else is retried
 * (MAX_ATTEMPTS consecutive failures fail the job).
 */
export interface JobHandler {
  step(tx: Tx, job: Job, ctx: StepContext): Promise<StepResult>;
}

export type JobHandlers = ReadonlyMap<JobKind, JobHandler>;

export interface JobRunner {
  /** Starts the loop: rounds while jobs advance, else one every BULK_POLL_MS or when woken. */
  start(): void;
  /** Looks for work now instead of at the next poll (a kick-off calls it through wakeRunner). */
  wake(): void;
  /** One round by hand (tests): at most one step per tenant; true when a job advanced. */
  round(): Promise<boolean>;
  /** Runs rounds until no job can advance (tests). */
  drain(): Promise<void>;
  /** Finishes the steps in progress and stops; nothing more starts. */
  stop(): Promise<void>;
}

export interface RunnerDeps {
  db: Database;
  config: Config;
  log: Logger;
}

const MAX_ATTEMPTS = 5;
/** How long a step waits for one of its tenant's pool slots before the tenant sits out the round. */
const SLOT_WAIT_MS = 250;
const DUE_LIMIT = 100;

const runners = new WeakMap<Database, JobRunner>();

/** Wakes the runner of this database in this process, if one runs (another process polls). */
export function wakeRunner(db: Database): void {
  runners.get(db)?.wake();
}

interface Due {
  [column: string]: unknown;
  tenant_id: string;
  job_id: string;
  expired: boolean;
}

type Outcome = 'advanced' | 'idle';

/** A runner that has not started (tests drive it by hand with round and drain). */
export function createJobRunner(deps: RunnerDeps, handlers: JobHandlers): JobRunner {
  const { db, config, log } = deps;
  const kinds = [...handlers.keys()];
  const share = fairShare(db, config);
  let stopped = false;
  let wakeUp: (() => void) | undefined;
  let woken = false;
  let current: Promise<void> = Promise.resolve();

  const fail = (tenantId: string, jobId: string, err: FhirError) => withTenant(db, tenantId, (tx) => tx.query(
    `update bulk_job set status = 'failed', error = $3::text::jsonb, updated_at = now(),
            expires_at = now() + make_interval(secs => $4) where tenant_id = $1 and id = $2::uuid`,
    [tenantId, jobId, JSON.stringify(err.toOutcome()), config.bulk.fileTtlSeconds]));

  async function step(tenantId: string, jobId: string): Promise<Outcome> {
    return withTenant(db, tenantId, async (tx, tenant) => {
      if (tenant === undefined || tenant.status !== 'active') return 'idle';
      const [row] = await tx.query<{ id: string; kind: JobKind }>(
        `select id::text as id, kind from bulk_job where tenant_id = $1 and id = $2::uuid and status in ('queued', 'running')
          for update skip locked`, [tenantId, jobId]);
      const handler = row && handlers.get(row.kind);
      if (row === undefined || handler === undefined) return 'idle';
      // Read again now that it is locked: the progress another process committed just before counts.
      const job = await getJob(tx, tenantId, jobId);
      if (job === undefined) return 'idle';
      const result = await handler.step(tx, job, {
        tenant, chunkSize: config.bulk.chunkSize, appendFile: (part) => appendFilePart(tx, job, part),
      });
      await tx.query(
        `update bulk_job set status = $3, progress = $4::text::jsonb, attempts = 0, updated_at = now(),
                expires_at = case when $3 = 'completed' then now() + make_interval(secs => $5) end
          where tenant_id = $1 and id = $2::uuid`,
        [tenantId, jobId, result.done ? 'completed' : 'running', JSON.stringify(result.progress), config.bulk.fileTtlSeconds]);
      return 'advanced';
    });
  }

  /** One step of a job, with its tenant's slot; failures are recorded on the job, never thrown. */
  async function advance(tenantId: string, jobId: string): Promise<Outcome> {
    try {
      return await withSlot(share.db, tenantId, SLOT_WAIT_MS, () => step(tenantId, jobId));
    } catch (err) {
      if (err instanceof FhirError && err.status === 503) return 'idle'; // the tenant is busy: next round
      if (err instanceof FhirError && err.status < 500) {
        await fail(tenantId, jobId, err);
        return 'advanced';
      }
      log.warn({ err, tenant: tenantId, job: jobId }, 'bulk job step failed; retried');
      const [row] = await withTenant(db, tenantId, (tx) => tx.query<{ attempts: number }>(
        'update bulk_job set attempts = attempts + 1, updated_at = now() where tenant_id = $1 and id = $2::uuid returning attempts',
        [tenantId, jobId]));
      if (row !== undefined && row.attempts >= MAX_ATTEMPTS) {
        const why = sqlState(err) === '57014' ? 'a step of the job exceeded the statement timeout' : 'the job failed repeatedly';
        await fail(tenantId, jobId, new FhirError(500, 'exception', `The job was stopped: ${why}`));
      }
      return 'idle';
    }
  }

  // One round at a time in this runner: a drain() beside the started loop waits for the loop's round
  // instead of finding its rows locked (SKIP LOCKED) and taking that for 'nothing left to do'.
  let rounds: Promise<unknown> = Promise.resolve();
  function round(): Promise<Outcome> {
    const next = rounds.then(oneRound);
    rounds = next.catch(() => undefined);
    return next;
  }

  /** One round: expired jobs deleted, then one step of one job per tenant. */
  async function oneRound(): Promise<Outcome> {
    const due = await withAdmin(db, (tx) => tx.query<Due>(
      'select tenant_id, job_id::text as job_id, expired from fhir_admin.bulk_jobs_due($1, $2::text[])', [DUE_LIMIT, kinds]));
    let outcome: Outcome = 'idle';
    for (const d of due.filter((x) => x.expired && JOB_ID.test(x.job_id))) {
      await withTenantData(db, d.tenant_id, (tx) => tx.query(
        `with gone as (delete from bulk_job where tenant_id = $1 and id = $2::uuid and expires_at < now() returning id)
         delete from bulk_file where tenant_id = $1 and job_id in (select id from gone)`, [d.tenant_id, d.job_id]));
    }
    // The least recently advanced job of each tenant (the function orders them so).
    const todo = new Map<string, Due>();
    for (const d of due) if (!d.expired && !todo.has(d.tenant_id)) todo.set(d.tenant_id, d);
    const jobs = [...todo.values()];
    for (let i = 0; i < jobs.length && !stopped; i += config.bulk.workers) {
      const results = await Promise.all(jobs.slice(i, i + config.bulk.workers).map((d) => advance(d.tenant_id, d.job_id)));
      if (results.includes('advanced')) outcome = 'advanced';
    }
    return outcome;
  }

  async function loop(): Promise<void> {
    while (!stopped) {
      let outcome: Outcome = 'idle';
      try {
        outcome = await round();
      } catch (err) {
        log.error({ err }, 'bulk job runner round failed');
      }
      if (outcome === 'advanced' || stopped) continue;
      if (woken) {
        woken = false;
        continue;
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, config.bulk.pollMs);
        timer.unref();
        wakeUp = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wakeUp = undefined;
      woken = false;
    }
  }

  const runner: JobRunner = {
    start() {
      if (runners.get(db) === runner) return;
      stopped = false;
      current = loop();
      runners.set(db, runner);
    },
    wake() {
      woken = true;
      wakeUp?.();
    },
    async round() {
      return (await round()) === 'advanced';
    },
    async drain() {
      while ((await round()) === 'advanced');
    },
    async stop() {
      stopped = true;
      wakeUp?.();
      await current;
      if (runners.get(db) === runner) runners.delete(db);
    },
  };
  return runner;
}

/** Creates and starts the runner of this process. */
export function startJobRunner(deps: RunnerDeps, handlers: JobHandlers): JobRunner {
  const runner = createJobRunner(deps, handlers);
  runner.start();
  return runner;
}
