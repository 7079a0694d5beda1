import { Hono, type Context } from 'hono';
import { isJsonObject } from '../../core/json.js';
import type { AppFetch, ConsoleEnv } from '../env.js';
import { fhirFetch, fhirRequest, problem } from '../fhir-client.js';
import { field } from '../guard.js';
import { Csrf, redirectWith, render, url } from '../layout.js';
import type { ExportJob } from '../session.js';

/** At most this many exports are remembered per session (the oldest go). */
const KEPT = 20;

interface JobView {
  job: ExportJob;
  state: 'running' | 'completed' | 'failed' | 'gone';
  progress: string;
  files: { type: string; path: string; count: number | undefined }[];
}

/** A path on this tenant's base, from a URL the server wrote (status, file). */
function tenantPath(tenant: string, href: string): string | undefined {
  try {
    const u = new URL(href, 'http://x');
    return u.pathname.startsWith(`/tenants/${tenant}/fhir/`) ? u.pathname + u.search : undefined;
  } catch {
    return undefined;
  }
}

async function view(c: Context<ConsoleEnv>, fetch: AppFetch, job: ExportJob): Promise<JobView> {
  const a = await fhirRequest(c, fetch, job.statusPath);
  if (a.status === 202) return { job, state: 'running', progress: a.headers.get('x-progress') ?? 'in progress', files: [] };
  if (a.status === 200 && a.body) {
    const files = (Array.isArray(a.body.output) ? a.body.output : []).filter(isJsonObject).flatMap((o) => {
      const path = typeof o.url === 'string' ? tenantPath(job.tenant, o.url) : undefined;
      return path ? [{ type: typeof o.type === 'string' ? o.type : '?', path, count: typeof o.count === 'number' ? o.count : undefined }] : [];
    });
    return { job, state: 'completed', progress: `${files.length} file(s)`, files };
  }
  if (a.status === 404) return { job, state: 'gone', progress: 'expired or cancelled', files: [] };
  return { job, state: 'failed', progress: problem(a), files: [] };
}

const Jobs = ({ tenant, views, csrf }: { tenant: string; views: JobView[]; csrf: string }) => (
  <section aria-labelledby="jobs-h">
    <h2 id="jobs-h">Exports started from this session</h2>
    {views.length === 0 ? <p>None yet.</p> : null}
    {views.map((v) => (
      <div class="card">
        <p><strong>{v.state}</strong>{` · ${v.progress} · started ${v.job.startedAt} · ${v.job.request}`}</p>
        {v.files.length ? (
          <ul>
            {v.files.map((f) => (
              <li><a href={url(`/tenants/${tenant}/exports/file?path=${encodeURIComponent(f.path)}`)} download={`${f.type}.ndjson`}>{`${f.type}.ndjson`}</a>{f.count !== undefined ? ` (${f.count} resources)` : ''}</li>
            ))}
          </ul>
        ) : null}
        {v.state === 'running' ? (
          <form method="post" action={url(`/tenants/${tenant}/exports/cancel`)}>
            <Csrf token={csrf} />
            <input type="hidden" name="status" value={v.job.statusPath} />
            <button type="submit">Cancel this export</button>
          </form>
        ) : null}
      </div>
    ))}
  </section>
);

/**
 * /console/tenants/{id}/exports: Bulk Data $export of the tenant (src/bulk/), kicked off, polled and
 * downloaded through the FHIR core with the operator's credential, as any Bulk Data client would.
 */
export function exportPages(fetch: AppFetch): Hono<ConsoleEnv> {
  const app = new Hono<ConsoleEnv>();

  app.get('/:tenant/exports', async (c) => {
    const tenant = c.req.param('tenant');
    const jobs = c.var.session.exports.filter((j) => j.tenant === tenant);
    const views = await Promise.all(jobs.map((j) => view(c, fetch, j)));
    return render(c, {
      title: `Bulk exports of ${tenant}`, section: '/tenants',
      refresh: views.some((v) => v.state === 'running') ? 2 : undefined,
      children: (
        <>
          <p><a href={url(`/tenants/${tenant}`)}>{`Back to tenant ${tenant}`}</a></p>
          <form method="post" action={url(`/tenants/${tenant}/exports`)} class="card" aria-labelledby="start-h">
            <h2 id="start-h">Start a Bulk Data export</h2>
            <Csrf token={c.var.session.csrf} />
            <label for="ex-type">Types (_type, comma-separated; empty: every type)</label>
            <input id="ex-type" name="type" placeholder="Patient,Observation" autocomplete="off" />
            <label for="ex-since">Changed since (_since, an instant; optional)</label>
            <input id="ex-since" name="since" placeholder="2024-01-01T00:00:00Z" autocomplete="off" />
            <button type="submit">Start export</button>
          </form>
          <Jobs tenant={tenant} views={views} csrf={c.var.session.csrf} />
        </>
      ),
    });
  });

  app.post('/:tenant/exports', async (c) => {
    const tenant = c.req.param('tenant');
    const params = new URLSearchParams();
    if (field(c, 'type').trim()) params.set('_type', field(c, 'type').trim());
    if (field(c, 'since').trim()) params.set('_since', field(c, 'since').trim());
    const request = `$export${params.size ? `?${params}` : ''}`;
    const a = await fhirRequest(c, fetch, `/tenants/${tenant}/fhir/${request}`, { prefer: 'respond-async' });
    const statusPath = tenantPath(tenant, a.headers.get('content-location') ?? '');
    if (a.status !== 202 || statusPath === undefined) return redirectWith(c, `/tenants/${tenant}/exports`, { kind: 'error', text: `Export refused: ${problem(a)}` });
    const session = c.var.session;
    session.exports = [...session.exports, { tenant, statusPath, startedAt: new Date().toISOString(), request }].slice(-KEPT);
    return redirectWith(c, `/tenants/${tenant}/exports`, { kind: 'ok', text: 'Export started.' });
  });

  app.post('/:tenant/exports/cancel', async (c) => {
    const tenant = c.req.param('tenant');
    const job = c.var.session.exports.find((j) => j.tenant === tenant && j.statusPath === field(c, 'status'));
    if (!job) return redirectWith(c, `/tenants/${tenant}/exports`, { kind: 'error', text: 'No such export of this session' });
    const a = await fhirRequest(c, fetch, job.statusPath, { method: 'DELETE' });
    return redirectWith(c, `/tenants/${tenant}/exports`, a.status === 202 || a.status === 200 || a.status === 204 ? { kind: 'ok', text: 'Export cancelled.' } : { kind: 'error', text: problem(a) });
  });

  // A file of a completed export, streamed from the FHIR core to the browser.
  app.get('/:tenant/exports/file', async (c) => {
    const tenant = c.req.param('tenant');
    const path = tenantPath(tenant, c.req.query('path') ?? '');
    if (path === undefined || !path.startsWith(`/tenants/${tenant}/fhir/$export-file?`)) return c.text('Not a file of this tenant\'s exports', 400);
    const res = await fhirFetch(c, fetch, path);
    if (res.status !== 200) return c.text(`The file could not be read (HTTP ${res.status})`, 404);
    return new Response(res.body, { status: 200, headers: { 'Content-Type': 'application/fhir+ndjson', 'Content-Disposition': 'attachment' } });
  });
  return app;
}
