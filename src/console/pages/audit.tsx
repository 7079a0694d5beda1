import { Hono } from 'hono';
import { readAuditOp } from '../../admin/routes.js';
import type { AuditEntry } from '../../admin/audit.js';
import type { Deps } from '../../env.js';
import { attempt, caller } from '../call.js';
import type { ConsoleEnv } from '../env.js';
import { render, url } from '../layout.js';

const PAGE = 50;
const FILTERS = ['tenant', 'client', 'outcome', 'since', 'until'] as const;
type Filters = Record<(typeof FILTERS)[number], string>;

/** A datetime-local value (no zone) is read as UTC, the zone the log is shown in. */
const instant = (local: string) => (local === '' ? undefined : /Z|[+-]\d\d:\d\d$/.test(local) ? local : `${local.length === 16 ? `${local}:00` : local}Z`);

const FilterForm = ({ f }: { f: Filters }) => (
  <form method="get" action={url('/audit')} class="card" aria-labelledby="filter-h">
    <h2 id="filter-h">Filter</h2>
    <div class="grid">
      <div><label for="f-tenant">Tenant</label><input id="f-tenant" name="tenant" value={f.tenant} /></div>
      <div><label for="f-client">Client</label><input id="f-client" name="client" value={f.client} /></div>
      <div>
        <label for="f-outcome">Outcome</label>
        <select id="f-outcome" name="outcome">
          {['', 'done', 'denied', 'unauthenticated', 'not found'].map((o) => <option value={o} selected={o === f.outcome}>{o === '' ? 'any' : o}</option>)}
        </select>
      </div>
      <div><label for="f-since">From (UTC)</label><input id="f-since" name="since" type="datetime-local" step="1" value={f.since} /></div>
      <div><label for="f-until">Until (UTC)</label><input id="f-until" name="until" type="datetime-local" step="1" value={f.until} /></div>
    </div>
    <button type="submit">Filter</button>
  </form>
);

const Entries = ({ entries }: { entries: AuditEntry[] }) => (
  <div class="scroll" role="region" aria-labelledby="log-h" tabindex={0}>
    <table>
      <caption id="log-h">Audit entries, newest first</caption>
      <thead><tr><th scope="col">At (UTC)</th><th scope="col">Tenant</th><th scope="col">Client</th><th scope="col">Action</th><th scope="col">Outcome</th><th scope="col">Detail</th></tr></thead>
      <tbody>
        {entries.map((e) => (
          <tr>
            <td>{e.at}</td><td>{e.tenant ?? '(none)'}</td><td>{e.client ?? '(none)'}</td><td>{e.action}</td>
            <td><span class={`outcome outcome-${e.outcome === 'done' ? 'done' : 'other'}`}>{e.outcome}</span></td><td>{e.detail ?? ''}</td>
          </tr>
        ))}
      </tbody>
    </table>
    {entries.length === 0 ? <p>No entries match.</p> : null}
  </div>
);

/** /console/audit: the audit log through GET /admin/audit's operation (filters, paging). */
export function auditPages(deps: Deps): Hono<ConsoleEnv> {
  const app = new Hono<ConsoleEnv>();
  app.get('/', async (c) => {
    const f: Filters = { tenant: '', client: '', outcome: '', since: '', until: '' };
    for (const k of FILTERS) f[k] = (c.req.query(k) ?? '').trim();
    const before = c.req.query('before');
    const got = await attempt(c, () => readAuditOp.invoke(caller(c, deps), {
      query: {
        tenant: f.tenant || undefined, client: f.client || undefined, outcome: f.outcome || undefined,
        since: instant(f.since), until: instant(f.until), before, limit: String(PAGE),
      },
    }));
    const entries = got.ok ? got.value : [];
    const last = entries[entries.length - 1];
    const kept = new URLSearchParams(Object.entries(f).filter(([, v]) => v !== ''));
    if (last && entries.length === PAGE) kept.set('before', last.id);
    return render(c, {
      title: 'Audit log', section: '/audit',
      flash: got.ok ? undefined : { kind: 'error', text: got.error },
      children: (
        <>
          <FilterForm f={f} />
          <Entries entries={entries} />
          <nav aria-label="Pages of the log" class="pager">
            {before ? <a href={url(`/audit?${new URLSearchParams(Object.entries(f).filter(([, v]) => v !== '')).toString()}`)}>Newest entries</a> : null}
            {last && entries.length === PAGE ? <a href={url(`/audit?${kept.toString()}`)} rel="next">Older entries</a> : null}
          </nav>
        </>
      ),
    }, got.ok ? 200 : 400);
  });
  return app;
}
