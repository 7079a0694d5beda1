import { appendFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { exitOnConfigError, loadConfig } from '../config.js';
import { outcome } from '../core/errors.js';
import { openDatabase } from '../db/open.js';
import { createLogger } from '../log.js';
import { fileInput, type FileInput } from './import-source.js';
import { DEFAULT_BATCH, importInput, importScope, type BatchReport } from './import-run.js';
import { Progress } from './import-progress.js';

/*
 * `npm run import -- --tenant T [--batch N] [--restart] [--errors FILE] FILES...`: NDJSON or FHIR
 * Bundle files (plain or .gz) into one tenant, as the API login (DATABASE_URL) or on the embedded
 * database (DATA_DIR, when no server holds it). Resumable: each file's checkpoint is in the
 * database (sql/0019), so running the same command again after a crash goes on after the last
 * batch that landed. Exit status: 0 all written, 2 some resources failed (see the errors file),
 * 1 the import stopped (the message says why; rerun to continue).
 */

const USAGE = 'usage: npm run import -- --tenant T [--batch N] [--restart] [--errors FILE] FILES...';

function fail(message: string): never {
  process.stderr.write(`fhir-rls import: ${message}\n`);
  process.exit(1);
}

const { values, positionals } = (() => {
  try {
    return parseArgs({
      allowPositionals: true,
      options: { tenant: { type: 'string' }, batch: { type: 'string' }, restart: { type: 'boolean' }, errors: { type: 'string' } },
    });
  } catch (err) {
    return fail(`${(err as Error).message}\n${USAGE}`);
  }
})();
if (!values.tenant || positionals.length === 0) fail(USAGE);
const batchSize = values.batch === undefined ? DEFAULT_BATCH : Number(values.batch);
if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000) fail('--batch must be an integer from 1 to 10000');
const tenant = values.tenant;
const errorsFile = values.errors ?? `import-errors-${tenant}.ndjson`;

let files: FileInput[];
try {
  files = positionals.map(fileInput);
} catch (err) {
  fail((err as Error).message);
}

// One batch is written at a time: two connections are plenty, and the fair share of a pool of
// two is one connection (fair-share.ts).
const config = { ...(await exitOnConfigError(() => loadConfig(process.env))), dbPoolMax: 2 };
const log = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel);
const { db } = await exitOnConfigError(() => openDatabase(config, log)).catch((err: Error) => fail(err.message));
const target = { db, tenant, config };

const totalBytes = files.reduce((n, f) => n + f.bytes, 0) || 1;
const progress = new Progress(process.stderr);
let written = 0;
let failed = 0;
let status = 0;
try {
  const scope = await importScope(target);
  let doneBytes = 0;
  for (const [i, file] of files.entries()) {
    const state = () => ({ file: file.path, fileNo: i + 1, files: files.length, written, failed, fraction: Math.min(1, (doneBytes + file.fraction() * file.bytes) / totalBytes) });
    const onBatch = (report: BatchReport) => {
      written += report.written;
      failed += report.failures.length;
      if (report.failures.length) {
        const where = (index: number) => (file.format === 'ndjson' ? `line ${index}` : `Bundle.entry[${index}]`);
        appendFileSync(errorsFile, report.failures.map((f) => JSON.stringify(outcome(f.issues.map((issue) => ({
          ...issue, diagnostics: `${file.path} ${where(f.index)}${f.type ? ` (${f.type}${f.id ? `/${f.id}` : ''})` : ''}: ${issue.diagnostics ?? issue.code}`,
        }))))).join('\n') + '\n');
      }
      progress.update(state());
    };
    const summary = await importInput(target, scope, file, { batchSize, restart: values.restart, onBatch });
    progress.update(state(), true);
    doneBytes += file.bytes;
    if (summary.alreadyDone) process.stderr.write(`${file.path}: imported by an earlier run (--restart to import it again)\n`);
    else if (summary.resumedAt > 0) process.stderr.write(`${file.path}: resumed after item ${summary.resumedAt}\n`);
  }
  if (failed) {
    process.stderr.write(`${failed} resources failed: see ${errorsFile}\n`);
    status = 2;
  }
  process.stdout.write(`${JSON.stringify({ tenant, written, failed })}\n`);
} catch (err) {
  process.stderr.write(`\nfhir-rls import: stopped: ${(err as Error).message}; run the same command again to continue after the last batch written\n`);
  status = 1;
} finally {
  await db.close();
}
process.exit(status);
