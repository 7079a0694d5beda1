import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileViewDefinition, type ViewColumn } from '../../src/analytics/index.js';
import { loadResources, openSofDatabase, type SofDatabase } from './sof-database.js';

/*
 * The official SQL on FHIR v2 test cases (test/fixtures/sql-on-fhir/tests, or SOF_TESTS_DIR), one `it`
 * per case: compile the view, run the SQL on a database holding the file's resources, compare the
 * rows ignoring order (and tenant_id). Cases that do not pass yet are listed, with the reason, in
 * known-failures.json and run as it.fails, so the suite stays green and the count stays honest.
 */

const TESTS_DIR = process.env.SOF_TESTS_DIR ?? fileURLToPath(new URL('../fixtures/sql-on-fhir/tests', import.meta.url));
const TENANT = 'tenant-a';

interface TestCase {
  title: string;
  tags?: string[];
  view: unknown;
  expect?: Record<string, unknown>[];
  expectError?: boolean;
}

interface TestFile {
  title: string;
  tags?: string[];
  tests: TestCase[];
}

const knownFailures = JSON.parse(readFileSync(new URL('./known-failures.json', import.meta.url), 'utf8')) as Record<string, string>;
const files = existsSync(TESTS_DIR) ? readdirSync(TESTS_DIR).filter((f) => f.endsWith('.json')).sort() : [];

const tally = new Map<string, { passed: number; total: number }>();
let backend = '';

function record(tag: string, passed: boolean): void {
  const t = tally.get(tag) ?? { passed: 0, total: 0 };
  t.total += 1;
  if (passed) t.passed += 1;
  tally.set(tag, t);
}

/** Row values as the test files write them: numeric/bigint come back from drivers as strings. */
function normalize(row: Record<string, unknown>, columns: ViewColumn[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const c of columns) {
    const v = row[c.name];
    out[c.name] = (c.sqlType === 'numeric' || c.sqlType === 'bigint') && typeof v === 'string' ? Number(v) : v;
  }
  return out;
}

const canonical = (v: unknown): string =>
  JSON.stringify(v, (_k, x: unknown) =>
    x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => a.localeCompare(b))) : x);
const sortRows = (rows: Record<string, unknown>[]) => [...rows].sort((a, b) => canonical(a).localeCompare(canonical(b)));

async function runCase(db: SofDatabase, test: TestCase): Promise<void> {
  if (test.expectError) {
    let failed = false;
    try {
      const { sql } = compileViewDefinition(test.view, { from: db.from });
      await db.query(sql);
    } catch {
      failed = true;
    }
    expect(failed, 'expected the view to be rejected at compile or run time').toBe(true);
    return;
  }
  const compiled = compileViewDefinition(test.view, { from: db.from });
  const rows = await db.query(compiled.sql);
  for (const row of rows) expect(row.tenant_id).toBe(TENANT);
  const actual = rows.map((r) => normalize(r, compiled.columns));
  expect(sortRows(actual)).toEqual(sortRows(test.expect ?? []));
}

describe('SQL on FHIR v2 test cases', () => {
  it(`finds the test files (${TESTS_DIR})`, () => {
    expect(files.length).toBeGreaterThan(0);
  });

  it('lists only existing cases in known-failures.json', () => {
    const names = new Set(files.flatMap((f) => {
      const suite = JSON.parse(readFileSync(join(TESTS_DIR, f), 'utf8')) as TestFile;
      return suite.tests.map((t) => `${f.replace(/\.json$/, '')}/${t.title}`);
    }));
    expect(Object.keys(knownFailures).filter((k) => !names.has(k))).toEqual([]);
  });

  afterAll(() => {
    const line = [...tally.entries()].sort().map(([tag, t]) => `${tag} ${t.passed}/${t.total}`).join(', ');
    console.log(`SQL on FHIR v2 (${backend}): ${line}`);
  });

  for (const file of files) {
    const text = readFileSync(join(TESTS_DIR, file), 'utf8');
    const suite = JSON.parse(text) as TestFile;
    const stem = file.replace(/\.json$/, '');

    describe(file, () => {
      let db: SofDatabase;
      beforeAll(async () => {
        db = await openSofDatabase();
        backend = db.kind;
        await loadResources(db, text, TENANT);
      });
      afterAll(async () => {
        await db?.close();
      });

      for (const test of suite.tests) {
        const name = `${stem}/${test.title}`;
        const tag = (test.tags ?? suite.tags ?? ['untagged']).includes('shareable') ? 'shareable' : (test.tags ?? suite.tags ?? ['untagged'])[0] ?? 'untagged';
        const reason = knownFailures[name];
        const title = reason === undefined ? test.title : `${test.title} [known failure: ${reason}]`;
        (reason === undefined ? it : it.fails)(title, async () => {
          try {
            await runCase(db, test);
          } catch (err) {
            record(tag, false);
            throw err;
          }
          record(tag, true);
        });
      }
    });
  }
});
