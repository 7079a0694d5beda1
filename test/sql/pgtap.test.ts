import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { pgtap } from '@electric-sql/pglite-pgtap';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateEmbedded } from '../../src/db/migrate.js';
import { TEMPLATE_DB, TEST_CONTEXT_KEY, withDatabase } from '../helpers/server-url.js';

/*
 * The pgTAP files of test/sql (what CI also runs with pg_prove on PostgreSQL 15), run here on
 * embedded PGlite with @electric-sql/pglite-pgtap, and with TEST_DATABASE_URL on the real server
 * when its pgtap extension is installed (Debian: postgresql-15-pgtap). `\ir file` lines (psql
 * includes) are inlined, the way psql would.
 */

const DIR = dirname(fileURLToPath(import.meta.url));
const files = readdirSync(DIR).filter((f) => f.endsWith('.sql')).sort();

function script(file: string): string {
  return readFileSync(join(DIR, file), 'utf8').replace(/^\\ir\s+(\S+)\s*$/gm, (_m, inc: string) => readFileSync(join(DIR, inc), 'utf8'));
}

interface Runner {
  kind: string;
  /** Every text value of every row the script returned (pgTAP's TAP lines). */
  run(text: string): Promise<string[]>;
  close(): Promise<void>;
}

const textsOf = (rows: Record<string, unknown>[]) => rows.flatMap((r) => Object.values(r)).filter((v): v is string => typeof v === 'string');

async function pgliteRunner(): Promise<Runner> {
  const pg = new PGlite({ extensions: { pgtap } });
  await migrateEmbedded(pg, TEST_CONTEXT_KEY);
  await pg.exec('create extension pgtap');
  return {
    kind: 'pglite',
    run: async (text) => {
      try {
        return (await pg.exec(text)).flatMap((r) => textsOf(r.rows as Record<string, unknown>[]));
      } finally {
        // A file that failed half-way leaves its transaction open: end it for the next file.
        await pg.exec('rollback');
      }
    },
    close: () => pg.close(),
  };
}

/** A copy of the migrated template database, as the superuser; undefined when pgtap is not installed. */
async function postgresRunner(url: string): Promise<Runner | undefined> {
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  const [available] = await admin`select count(*)::int as n from pg_available_extensions where name = 'pgtap'`;
  if (!available?.n) {
    await admin.end();
    return undefined;
  }
  const name = `fhir_tap_${randomBytes(6).toString('hex')}`;
  await admin.unsafe(`create database ${name} template ${TEMPLATE_DB}`);
  const sql = postgres(withDatabase(url, name), { max: 1, onnotice: () => {} });
  await sql.unsafe('create extension pgtap');
  return {
    kind: 'postgres',
    run: async (text) => {
      const results = (await sql.unsafe(text).simple()) as unknown as Record<string, unknown>[][];
      return results.flatMap((r) => (Array.isArray(r) ? textsOf(r) : []));
    },
    close: async () => {
      await sql.end();
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}

/** Checks one file's TAP: a plan, as many `ok` lines, no `not ok`. */
function checkTap(lines: string[]): void {
  const tap = lines.flatMap((l) => l.split('\n'));
  const plan = tap.map((l) => /^1\.\.(\d+)$/.exec(l)).find(Boolean);
  expect(plan, 'a pgTAP plan').toBeTruthy();
  const failed = tap.filter((l) => l.startsWith('not ok'));
  expect(failed, tap.filter((l) => l.startsWith('not ok') || l.startsWith('#')).join('\n')).toEqual([]);
  expect(tap.filter((l) => /^ok \d+/.test(l))).toHaveLength(Number(plan![1]));
}

const url = process.env.TEST_DATABASE_URL;
let runner: Runner | undefined;

beforeAll(async () => {
  runner = url ? await postgresRunner(url) : await pgliteRunner();
});
afterAll(async () => {
  await runner?.close();
});

describe('pgTAP (test/sql)', () => {
  it('finds the pgTAP files', () => {
    expect(files.length).toBeGreaterThanOrEqual(6);
  });

  for (const file of files) {
    it(file, async (ctx) => {
      // Only on a real server without the extension (PGlite brings its own); CI runs pg_prove there.
      if (runner === undefined) {
        console.warn(`skipped: ${file} needs the pgtap extension on the TEST_DATABASE_URL server (Debian: postgresql-15-pgtap)`);
        ctx.skip('needs the pgtap extension on the TEST_DATABASE_URL server');
        return;
      }
      checkTap(await runner.run(script(file)));
    });
  }
});
