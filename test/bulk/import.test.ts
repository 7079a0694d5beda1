import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenant } from '../../src/admin/tenants.js';
import { bulkJobHandlers } from '../../src/bulk/index.js';
import { importInput, importScope, type ImportInput, type ImportTarget } from '../../src/bulk/import-run.js';
import type { SourceItem } from '../../src/bulk/import-source.js';
import { startJobRunner } from '../../src/bulk/runner.js';
import { embeddedContextKey } from '../../src/db/context-key.js';
import { withAdmin, withTenant } from '../../src/db/doors.js';
import { openPgliteWorker } from '../../src/db/pglite-threaded.js';
import { TEST_CONTEXT_KEY } from '../helpers/server-url.js';
import { startTestServer, type TestServer } from '../helpers/app.js';

// Bulk import (src/bulk/, fhir/repository/bulk-write.ts): per-resource failures, atomic
// batches, references within a batch, PUT semantics, index rows, isolation, resumability, the
// CLI as a real process and the $import job. Small inputs: batches of a few resources.
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
let s: TestServer;

beforeAll(async () => {
  s = await startTestServer({ IMPORT_URL_PREFIXES: 'http://allowed.example/' });
  await s.createTenants('imp-a', 'imp-b');
});
afterAll(async () => s.close());

const target = (tenant: string): ImportTarget => ({ db: s.tdb.db, tenant, config: s.config });

function memoryInput(source: string, resources: unknown[]): ImportInput {
  return {
    source,
    format: 'ndjson',
    async *items(): AsyncGenerator<SourceItem> {
      for (const [i, r] of resources.entries()) yield { index: i + 1, resource: r as never };
    },
  };
}

async function run(tenant: string, input: ImportInput, batchSize = 100, onBatch?: () => void) {
  const t = target(tenant);
  const failures: { index: number; status: number; diagnostics: string }[] = [];
  const summary = await importInput(t, await importScope(t), input, {
    batchSize,
    onBatch: (r) => {
      failures.push(...r.failures.map((f) => ({ index: f.index, status: f.status, diagnostics: f.issues.map((i) => i.diagnostics).join('; ') })));
      onBatch?.();
    },
  });
  return { summary, failures };
}

const patient = (id: string | undefined, family: string) => ({ resourceType: 'Patient', ...(id ? { id } : {}), name: [{ family }] });

async function count(tenant: string, sqlText: string, params: unknown[] = []): Promise<number> {
  const [row] = await withTenant(s.tdb.db, tenant, (tx) => tx.query<{ n: number }>(sqlText, params));
  return Number(row?.n ?? 0);
}

describe('bulk import: the batch writer', () => {
  it('writes the good resources of a batch and reports the bad one with its place', async () => {
    const { summary, failures } = await run('imp-a', memoryInput('t:invalid', [
      patient('inv-1', 'One'),
      { resourceType: 'Patient', id: 'inv-2', birthDate: 'not a date' },
      patient('inv-3', 'Three'),
    ]));
    expect([summary.written, summary.failed]).toEqual([2, 1]);
    expect(failures).toEqual([expect.objectContaining({ index: 2, status: 400 })]);
    expect((await s.fhir('imp-a', '/Patient/inv-1')).status).toBe(200);
    expect((await s.fhir('imp-a', '/Patient/inv-3')).status).toBe(200);
    expect((await s.fhir('imp-a', '/Patient/inv-2')).status).toBe(404);
  });

  it('resolves references within the batch; a missing target fails only the resources that need it', async () => {
    const { failures } = await run('imp-a', memoryInput('t:refs', [
      { resourceType: 'Observation', id: 'ref-o1', status: 'final', code: { text: 'x' }, subject: { reference: 'Patient/ref-p1' } },
      patient('ref-p1', 'Referenced'),
      { resourceType: 'Observation', id: 'ref-o2', status: 'final', code: { text: 'x' }, subject: { reference: 'Patient/nowhere' } },
      { resourceType: 'Observation', id: 'ref-o3', status: 'final', code: { text: 'x' }, hasMember: [{ reference: 'Observation/ref-o2' }] },
    ]));
    expect(failures.map((f) => [f.index, f.status])).toEqual([[3, 422], [4, 422]]);
    expect(failures[0]?.diagnostics).toContain('Patient/nowhere');
    // Searchable at once, through the index rows the batch wrote.
    const bundle = await (await s.fhir('imp-a', '/Observation?subject=Patient/ref-p1')).json();
    expect(bundle.entry.map((e: { resource: { id: string } }) => e.resource.id)).toEqual(['ref-o1']);
    const named = await (await s.fhir('imp-a', '/Patient?family=referenced')).json();
    expect(named.entry).toHaveLength(1);
  });

  it('updates a resource that exists: version 2, history kept, index rows replaced', async () => {
    await run('imp-a', memoryInput('t:upd-1', [patient('upd-1', 'Before')]));
    await run('imp-a', memoryInput('t:upd-2', [patient('upd-1', 'After')]));
    const read = await s.fhir('imp-a', '/Patient/upd-1');
    expect(read.headers.get('etag')).toBe('W/"2"');
    const history = await (await s.fhir('imp-a', '/Patient/upd-1/_history')).json();
    expect(history.entry.map((e: { resource: { name: { family: string }[] } }) => e.resource.name[0]?.family)).toEqual(['After', 'Before']);
    expect((await (await s.fhir('imp-a', '/Patient?family=before')).json()).entry ?? []).toHaveLength(0);
    expect((await (await s.fhir('imp-a', '/Patient?family=after')).json()).entry).toHaveLength(1);
  });

  it('writes a batch whole or not at all: a database conflict leaves nothing of it, and the checkpoint before it', async () => {
    // A history row without its resource: the batch's history insert for atom-2 conflicts.
    await s.tdb.owner.query(`insert into resource_history (tenant_id, resource_type, id, version_id, last_updated, deleted, resource)
      values ('imp-a', 'Patient', 'atom-2', 1, now(), false, '{"resourceType":"Patient","id":"atom-2"}')`);
    const input = memoryInput('t:atomic', [patient('atom-0', 'Z'), patient('atom-1', 'A'), patient('atom-2', 'B'), patient('atom-3', 'C')]);
    await expect(run('imp-a', input, 2)).rejects.toThrow();
    // Batch 1 (atom-0, atom-1) landed; batch 2 failed whole: its good atom-3 is not there either.
    expect(await count('imp-a', "select count(*)::int as n from resource where tenant_id = 'imp-a' and id in ('atom-2', 'atom-3')")).toBe(0);
    expect(await count('imp-a', "select count(*)::int as n from resource where tenant_id = 'imp-a' and id in ('atom-0', 'atom-1')")).toBe(2);
    expect(await count('imp-a', "select position::int as n from import_checkpoint where tenant_id = 'imp-a' and source = 't:atomic'")).toBe(2);
  });

  it('resumes after a crash: no duplicates, exact counts', async () => {
    // Id-less resources get new ids: a batch written twice would show as extra patients.
    const resources = Array.from({ length: 7 }, (_, i) => patient(undefined, `resume${i}`));
    let batches = 0;
    await expect(run('imp-b', memoryInput('t:resume', resources), 2, () => {
      batches++;
      if (batches === 2) throw new Error('killed after batch 2');
    })).rejects.toThrow('killed');
    expect(await count('imp-b', "select count(*)::int as n from resource where tenant_id = 'imp-b' and resource->'name'->0->>'family' like 'resume%'")).toBe(4);
    const again = await run('imp-b', memoryInput('t:resume', resources), 2);
    expect([again.summary.resumedAt, again.summary.written]).toEqual([4, 3]);
    expect(await count('imp-b', "select count(distinct resource->'name'->0->>'family')::int as n from resource where tenant_id = 'imp-b' and resource->'name'->0->>'family' like 'resume%'")).toBe(7);
    expect(await count('imp-b', "select count(*)::int as n from resource where tenant_id = 'imp-b' and resource->'name'->0->>'family' like 'resume%'")).toBe(7);
    // Finished: a third run reads nothing.
    expect((await run('imp-b', memoryInput('t:resume', resources), 2)).summary.alreadyDone).toBe(true);
  });

  it('keeps each tenant to its own rows', async () => {
    expect((await s.fhir('imp-b', '/Patient/inv-1')).status).toBe(404);
    expect((await (await s.fhir('imp-b', '/Observation?subject=Patient/ref-p1')).json()).entry ?? []).toHaveLength(0);
    expect(await count('imp-b', "select count(*)::int as n from import_checkpoint where tenant_id = 'imp-a'")).toBe(0);
    // A reference to another tenant's resource does not resolve.
    const { failures } = await run('imp-b', memoryInput('t:cross', [
      { resourceType: 'Observation', status: 'final', code: { text: 'x' }, subject: { reference: 'Patient/inv-1' } },
    ]));
    expect(failures.map((f) => f.status)).toEqual([422]);
  });

  it("indexes with the tenant's own SearchParameters, as a single write would", async () => {
    const param = { resourceType: 'SearchParameter', url: 'https://example.org/sp/imp-nick', name: 'nick', status: 'active', code: 'nick', base: ['Patient'], type: 'string', expression: "Patient.name.where(use = 'nickname').given", description: 'nickname' };
    expect((await s.fhir('imp-b', '/SearchParameter', { json: param })).status).toBe(201);
    const { failures } = await run('imp-b', memoryInput('t:custom', [{ resourceType: 'Patient', id: 'nick-1', name: [{ use: 'nickname', given: ['Bulky'] }] }]));
    expect(failures).toEqual([]);
    const found = await (await s.fhir('imp-b', '/Patient?nick=bulky', { headers: { prefer: 'handling=strict' } })).json();
    expect(found.entry?.map((e: { resource: { id: string } }) => e.resource.id)).toEqual(['nick-1']);
    // A SearchParameter itself is not imported (npm run import and $import share this writer): its
    // write checks (cost, code, count) and version bump belong to the REST write.
    const refused = await run('imp-b', memoryInput('t:param', [{ ...param, id: 'imp-sp', code: 'nick2', url: 'https://example.org/sp/imp-nick2' }]));
    expect(refused.failures.map((f) => [f.status, f.diagnostics])).toEqual([[422, expect.stringContaining('REST API')]]);
  });
});

function runCli(env: Record<string, string>, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/bulk/import-cli.ts', ...args], {
      cwd: ROOT, env: { PATH: process.env.PATH, LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('npm run import', () => {
  it('imports an NDJSON file (gzip) and a Bundle file as a child process, then resumes to nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fhir-import-'));
    try {
      const ndjson = join(dir, 'patients.ndjson.gz');
      writeFileSync(ndjson, gzipSync([patient('cli-1', 'Cli'), patient('cli-2', 'Cli'), { resourceType: 'Nope' }].map((r) => JSON.stringify(r)).join('\n')));
      const bundle = join(dir, 'bundle.json');
      writeFileSync(bundle, JSON.stringify({
        resourceType: 'Bundle', type: 'transaction', entry: [
          { fullUrl: 'urn:uuid:11111111-2222-4333-8444-555555555555', resource: patient(undefined, 'Bundled'), request: { method: 'POST', url: 'Patient' } },
          { fullUrl: 'urn:uuid:66666666-2222-4333-8444-555555555555', resource: { resourceType: 'Observation', status: 'final', code: { text: 'x' }, subject: { reference: 'urn:uuid:11111111-2222-4333-8444-555555555555' } }, request: { method: 'POST', url: 'Observation' } },
        ],
      }));
      // On PGlite the CLI opens the embedded database of a DATA_DIR alone (one process at a
      // time): made here with the tenant and closed first. The rows are looked at on PostgreSQL
      // only: opening that database again costs seconds, and the writer's rows are checked above.
      const dataDir = join(dir, 'data');
      if (!s.tdb.appUrl) {
        const make = await openPgliteWorker(dataDir, { contextKey: embeddedContextKey(dataDir) });
        await make.migrate();
        await withAdmin(make, (tx) => createTenant(tx, 'imp-a', 'A', {}));
        await make.close();
      }
      const env: Record<string, string> = s.tdb.appUrl
        ? { DATABASE_URL: s.tdb.appUrl, TENANT_CONTEXT_KEY: TEST_CONTEXT_KEY, MIGRATE_ON_START: 'false' }
        : { DATA_DIR: dataDir };
      const first = await runCli(env, ['--tenant', 'imp-a', '--batch', '2', '--errors', join(dir, 'errors.ndjson'), ndjson, bundle]);
      expect(first.code, first.stderr).toBe(2);
      expect(JSON.parse(first.stdout)).toEqual({ tenant: 'imp-a', written: 4, failed: 1 });
      const errors = readFileSync(join(dir, 'errors.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
      expect(errors).toHaveLength(1);
      expect(errors[0].issue[0].diagnostics).toContain('line 3');
      if (!s.tdb.appUrl) return;
      // Run again: every file is done, nothing is read twice.
      const second = await runCli(env, ['--tenant', 'imp-a', ndjson, bundle]);
      expect(JSON.parse(second.stdout)).toEqual({ tenant: 'imp-a', written: 0, failed: 0 });
      const rows = await withTenant(s.tdb.db, 'imp-a', (tx) => tx.query<{ resource_type: string; id: string }>(
        `select resource_type, id from resource
          where tenant_id = 'imp-a' and (id in ('cli-1', 'cli-2', '11111111-2222-4333-8444-555555555555') or resource->'subject'->>'reference' = 'Patient/11111111-2222-4333-8444-555555555555')
          order by resource_type, id`));
      expect(rows.map((r) => `${r.resource_type}/${r.id}`)).toEqual([
        'Observation/66666666-2222-4333-8444-555555555555', 'Patient/11111111-2222-4333-8444-555555555555', 'Patient/cli-1', 'Patient/cli-2',
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});

describe('$import', () => {
  const ndjson = [patient('job-1', 'Job'), { resourceType: 'Observation', id: 'job-o', status: 'final', code: { text: 'x' }, subject: { reference: 'Patient/job-1' } }, { resourceType: 'Patient', birthDate: 'bad' }]
    .map((r) => JSON.stringify(r)).join('\n');

  it('kicks off a job from uploaded NDJSON, reports progress, then the manifest and the error file', async () => {
    const kick = await s.fhir('imp-a', '/$import', { method: 'POST', headers: { prefer: 'respond-async', 'content-type': 'application/fhir+ndjson' }, body: ndjson });
    expect(kick.status).toBe(202);
    const location = kick.headers.get('content-location') ?? '';
    expect(location).toMatch(/\/\$import-poll-status\?_jobId=[0-9a-f-]{36}$/);
    const path = location.slice(location.indexOf('/$import'));
    expect((await s.fhir('imp-a', path)).status).toBe(202);
    // Another tenant does not see the job.
    expect((await s.fhir('imp-b', path)).status).toBe(404);
    const runner = startJobRunner({ db: s.tdb.db, config: s.config, log: pino({ level: 'silent' }) }, bulkJobHandlers(s.config));
    await runner.drain();
    await runner.stop();
    const done = await s.fhir('imp-a', path);
    expect(done.status).toBe(200);
    const manifest = await done.json();
    expect(manifest.output).toEqual([{ type: 'Resource', count: 2, created: 2 }]);
    expect(manifest.error).toHaveLength(1);
    const errorsUrl: string = manifest.error[0].url;
    const errors = await (await s.fhir('imp-a', errorsUrl.slice(errorsUrl.indexOf('/$import')))).text();
    expect(errors.trim().split('\n').map((l) => JSON.parse(l).issue[0].diagnostics)).toEqual([expect.stringContaining('line 3')]);
    expect((await s.fhir('imp-a', '/Observation?subject=Patient/job-1')).status).toBe(200);
    expect((await (await s.fhir('imp-a', '/Observation?subject=Patient/job-1')).json()).entry).toHaveLength(1);
  });

  it('reads only URLs the configuration allows, and needs respond-async', async () => {
    const params = (url: string) => ({
      resourceType: 'Parameters', parameter: [
        { name: 'inputFormat', valueCode: 'application/fhir+ndjson' },
        { name: 'input', part: [{ name: 'type', valueCode: 'Patient' }, { name: 'url', valueUrl: url }] },
      ],
    });
    const refused = await s.fhir('imp-a', '/$import', { json: params('http://169.254.169.254/latest/meta-data'), headers: { prefer: 'respond-async' } });
    expect(refused.status).toBe(400);
    expect(JSON.stringify(await refused.json())).toContain('IMPORT_URL_PREFIXES');
    // Compared as parsed URLs: another host that starts with the same text, or credentials, are outside it.
    for (const sneaky of ['http://allowed.example.evil.test/p.ndjson', 'http://user:pw@allowed.example/p.ndjson', 'http://allowed.example@evil.test/p.ndjson']) {
      const r = await s.fhir('imp-a', '/$import', { json: params(sneaky), headers: { prefer: 'respond-async' } });
      expect(r.status, sneaky).toBe(400);
    }
    const sync = await s.fhir('imp-a', '/$import', { json: params('http://allowed.example/p.ndjson') });
    expect(sync.status).toBe(400);
  });
});
