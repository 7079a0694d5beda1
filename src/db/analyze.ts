import type { Database } from './database.js';
import type { Logger } from '../log.js';
import { withShared } from './doors.js';

/*
 * Statistics where the database does not keep them. PGlite has no autovacuum: without this its
 * tables are never analyzed (searches measured 10-20x slower than after one ANALYZE). On
 * PostgreSQL autovacuum comes round within a minute or so, but a large transaction bundle into a
 * new tenant should have its statistics at once. Search plans do not depend on statistics
 * (src/fhir/search/to-sql.ts), their speed still does.
 *
 * Writes are counted here (noteWrites, from the repository's writer); the analyze runs later, on
 * a timer, in its own short transaction through fhir_private.analyze_tables (sql/0015), which
 * analyzes each table at most once per 30 seconds whoever asks. A request never waits for it.
 */

export interface AnalyzerOptions {
  /** PGlite: rows written since the last analyze that make the next one due. */
  rowThreshold: number;
  /** PostgreSQL: one write of at least this many resources (a bundle) is analyzed at once. */
  bulkRows: number;
  /** Quiet time after the last counted write before analyzing (so a load in many requests is analyzed once). */
  debounceMs: number;
  /** Longest a due analyze waits for quiet. */
  maxWaitMs: number;
  /** PGlite: analyze anything written since the last time, this often. */
  periodMs: number;
}

export const DEFAULT_ANALYZER: AnalyzerOptions = { rowThreshold: 500, bulkRows: 200, debounceMs: 2_000, maxWaitMs: 30_000, periodMs: 300_000 };

type TableSet = 'tenant' | 'shared';

const KINDS = ['string', 'token', 'reference', 'date', 'number', 'quantity', 'uri', 'composite'];
const TABLES: Record<TableSet, string[]> = {
  tenant: ['resource', ...KINDS.map((k) => `search_${k}`)],
  shared: ['shared_resource', ...KINDS.map((k) => `shared_search_${k}`)],
};

class Analyzer {
  private pending = new Set<TableSet>();
  private rows = 0;
  private due = false;
  private firstDue = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly periodic: NodeJS.Timeout;
  private running: Promise<void> = Promise.resolve();

  constructor(private readonly db: Database, private readonly log: Logger, private readonly options: AnalyzerOptions) {
    this.periodic = setInterval(() => {
      if (this.db.kind === 'pglite' && this.pending.size) this.schedule(0);
    }, options.periodMs);
    this.periodic.unref();
    // An embedded database opened with data in it may never have been analyzed at all.
    if (db.kind === 'pglite') {
      [this.pending, this.due, this.firstDue] = [new Set(['tenant', 'shared']), true, Date.now()];
      this.schedule(options.debounceMs);
    }
  }

  note(set: TableSet, rows: number): void {
    this.pending.add(set);
    this.rows += rows;
    const bulk = this.db.kind === 'pglite' ? this.rows >= this.options.rowThreshold : rows >= this.options.bulkRows;
    if (!bulk && !this.due) {
      // PostgreSQL: small writes are autovacuum's business.
      if (this.db.kind !== 'pglite') this.pending.delete(set);
      return;
    }
    if (!this.due) [this.due, this.firstDue] = [true, Date.now()];
    const waited = Date.now() - this.firstDue;
    this.schedule(Math.max(0, Math.min(this.options.debounceMs, this.options.maxWaitMs - waited)));
  }

  private schedule(ms: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.run(), ms);
    this.timer.unref();
  }

  /** Analyzes the tables of the sets written since the last run; resolves when done (tests, shutdown). */
  run(): Promise<void> {
    const tables = [...this.pending].flatMap((s) => TABLES[s]);
    [this.pending, this.rows, this.due] = [new Set(), 0, false];
    clearTimeout(this.timer);
    if (!tables.length) return this.running;
    this.running = this.running.then(async () => {
      // One table per transaction: on PGlite's one connection, requests get their turn in between.
      for (const table of tables) {
        try {
          const [row] = await withShared(this.db, 'read', (tx) =>
            tx.query<{ done: string[] }>('select fhir_private.analyze_tables($1::text[]) as done', [[table]]));
          if (row?.done.length) this.log.debug({ table }, 'analyzed');
        } catch (err) {
          this.log.warn({ err, table }, 'analyze after writes failed; the statistics stay as they were');
        }
      }
    });
    return this.running;
  }

  stop(): void {
    clearTimeout(this.timer);
    clearInterval(this.periodic);
  }
}

let active: Analyzer | undefined;

/** Starts counting writes and analyzing after them (one per process); returns what flushes and stops it. */
export function startAnalyzer(db: Database, log: Logger, options: Partial<AnalyzerOptions> = {}): { flush(): Promise<void>; stop(): void } {
  active?.stop();
  const analyzer = new Analyzer(db, log, { ...DEFAULT_ANALYZER, ...options });
  active = analyzer;
  return {
    flush: () => analyzer.run(),
    stop: () => {
      analyzer.stop();
      if (active === analyzer) active = undefined;
    },
  };
}

/** Counts resources written in a table set (a no-op until startAnalyzer). */
export function noteWrites(set: TableSet, rows: number): void {
  active?.note(set, rows);
}
