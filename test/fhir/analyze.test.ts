import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { startAnalyzer } from '../../src/db/analyze.js';
import { withShared, withTenant } from '../../src/db/doors.js';
import { startTestServer, type TestServer } from '../helpers/app.js';

/*
 * The statistics keeper (src/db/analyze.ts, sql/0015): a bulk write is followed by an ANALYZE of
 * the tables it touched, run through fhir_private.analyze_tables as fhir_app, which may call it
 * but at most once a table per 30 seconds, and may not ANALYZE anything itself.
 */
let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ MAX_BUNDLE_ENTRIES: '5000' });
  await s.createTenants('stats');
});
afterAll(() => s.close());

const analyzedTables = async () => (await s.tdb.owner.query<{ table_name: string }>(
  'select table_name from fhir_private.table_analyzed order by 1')).map((r) => r.table_name);
// Analyzed: ANALYZE sets the table's size (reltuples, -1 before). Column statistics it keeps none
// of on tenant tables (sql/0017: their values would leak through EXPLAIN's estimates).
const hasStats = async (table: string) => (await s.tdb.owner.query<{ analyzed: boolean }>(
  "select reltuples >= 0 as analyzed from pg_class where relnamespace = 'public'::regnamespace and relname = $1", [table]))[0]!.analyzed;
const columnStats = async (table: string) => (await s.tdb.owner.query<{ n: number }>(
  'select count(*)::int as n from pg_stats where schemaname = $1 and tablename = $2', ['public', table]))[0]!.n;

describe('analyze after bulk writes', () => {
  it('a transaction bundle of many entries gets its tables analyzed, not before it is written', async () => {
    const analyzer = startAnalyzer(s.tdb.db, pino({ level: 'silent' }), { rowThreshold: 300, bulkRows: 300, debounceMs: 60_000, maxWaitMs: 60_000 });
    try {
      expect(await hasStats('search_token')).toBe(false);
      const entry = Array.from({ length: 400 }, (_, i) => ({
        fullUrl: `urn:uuid:p-${i}`, resource: { resourceType: 'Patient', gender: i % 2 ? 'male' : 'female' }, request: { method: 'POST', url: 'Patient' },
      }));
      const res = await s.fhir('stats', '', { json: { resourceType: 'Bundle', type: 'transaction', entry }, headers: { prefer: 'return=minimal' } });
      expect(res.status).toBe(200);
      // The analyze is due (timer far off here); flush runs it as the timer would.
      await analyzer.flush();
      expect(await hasStats('search_token')).toBe(true);
      expect(await hasStats('resource')).toBe(true);
      expect(await analyzedTables()).toContain('search_token');
      expect(await columnStats('search_token')).toBe(0);
      expect(await columnStats('resource')).toBe(0);
    } finally {
      analyzer.stop();
    }
  });

  it('fhir_app may call analyze_tables, which skips a table analyzed in the last 30 seconds and any table not its own', async () => {
    const done = await withShared(s.tdb.db, 'read', (tx) =>
      tx.query<{ done: string[] }>("select fhir_private.analyze_tables(array['search_token', 'shared_search_uri', 'tenant', 'pg_class']) as done"));
    // Only the resource and index tables; on PGlite the keeper's first run analyzed all of them already.
    expect(done[0]!.done).toEqual(s.tdb.kind === 'postgres' ? ['shared_search_uri'] : []);
    const again = await withShared(s.tdb.db, 'read', (tx) =>
      tx.query<{ done: string[] }>("select fhir_private.analyze_tables(array['search_token', 'shared_search_uri']) as done"));
    expect(again[0]!.done).toEqual([]);
  });

  it('fhir_app cannot ANALYZE on its own, nor read or change the rate limit', async () => {
    if (s.tdb.kind === 'postgres') {
      // Not the owner: PostgreSQL skips the table with a warning, and the statistics stay as they were.
      const before = await s.tdb.owner.query<{ n: number }>("select count(*)::int as n from pg_stats where tablename = 'search_date'");
      await withTenant(s.tdb.db, 'stats', (tx) => tx.query('analyze search_date'));
      const after = await s.tdb.owner.query<{ n: number }>("select count(*)::int as n from pg_stats where tablename = 'search_date'");
      expect(after[0]!.n).toBe(before[0]!.n);
    }
    await expect(withTenant(s.tdb.db, 'stats', (tx) => tx.query('delete from fhir_private.table_analyzed'))).rejects.toThrow(/permission denied/);
  });
});
