import { Hono, type Context } from 'hono';
import { exportTenantOp, getTenantOp, listReindexRequestsOp, purgeTenantOp, requestReindexOp, updateTenantOp } from '../../admin/routes.js';
import { exportTenant } from '../../admin/export.js';
import type { ReindexRequest } from '../../admin/reindex-requests.js';
import type { Tenant } from '../../admin/tenants.js';
import type { Deps } from '../../env.js';
import { attempt, caller } from '../call.js';
import type { ConsoleEnv } from '../env.js';
import { field } from '../guard.js';
import { Csrf, Message, redirectWith, render, url } from '../layout.js';
import { parseJsonField } from './json-field.js';

interface ConfigDraft { name: string; config: string; error?: string }

const Reindex = ({ request }: { request: ReindexRequest | undefined }) => {
  if (request === undefined) return <p>No reindex requested yet.</p>;
  const state = request.finishedAt ? (request.error ? 'failed' : 'finished') : request.startedAt ? 'running' : 'queued';
  return (
    <p role="status">
      Reindex <strong>{state}</strong> (requested {request.requestedAt}
      {request.finishedAt ? `, finished ${request.finishedAt}` : ''}
      {request.resources !== null ? `, ${request.resources} resources` : ''}){request.error ? `: ${request.error}` : ''}.
    </p>
  );
};

function Detail({ t, csrf, draft, reindex }: { t: Tenant; csrf: string; draft: ConfigDraft; reindex: ReindexRequest | undefined }) {
  const base = `/tenants/${t.id}`;
  return (
    <>
      <dl class="facts">
        <dt>Status</dt><dd><span class={`status status-${t.status}`}>{t.status}</span></dd>
        <dt>Created</dt><dd>{t.createdAt}</dd>
        <dt>FHIR base</dt><dd><code>{`/tenants/${t.id}/fhir`}</code></dd>
      </dl>
      <p class="links">
        <a href={url(`${base}/fhir`)}>Browse its FHIR data</a>
        <a href={url(`/audit?tenant=${t.id}`)}>Its audit log</a>
        <a href={url(`${base}/exports`)}>Bulk Data exports</a>
        <a href={url(`${base}/export`)} download={`${t.id}.ndjson`}>Download every resource (NDJSON)</a>
      </p>

      <section class="card" aria-labelledby="status-h">
        <h2 id="status-h">Status</h2>
        <form method="post" action={url(`${base}/status`)}>
          <Csrf token={csrf} />
          <input type="hidden" name="status" value={t.status === 'active' ? 'suspended' : 'active'} />
          <p class="hint">{t.status === 'active' ? 'A suspended tenant answers 403 to every FHIR request; its data stays.' : 'Resuming lets its clients in again.'}</p>
          <button type="submit">{t.status === 'active' ? 'Suspend tenant' : 'Resume tenant'}</button>
        </form>
      </section>

      <section class="card" aria-labelledby="reindex-h">
        <h2 id="reindex-h">Search indexes</h2>
        <Reindex request={reindex} />
        <form method="post" action={url(`${base}/reindex`)}>
          <Csrf token={csrf} />
          <button type="submit">Reindex tenant</button>
        </form>
      </section>

      <section class="card" aria-labelledby="config-h">
        <h2 id="config-h">Configuration</h2>
        <form method="post" action={url(`${base}/config`)}>
          {draft.error ? <Message flash={{ kind: 'error', text: draft.error }} /> : null}
          <Csrf token={csrf} />
          <label for="cfg-name">Name</label>
          <input id="cfg-name" name="name" value={draft.name} required />
          <label for="cfg-json">Configuration (JSON)</label>
          <textarea id="cfg-json" name="config" rows={8} spellcheck={false} aria-describedby="cfg-hint" aria-invalid={draft.error ? 'true' : undefined} autofocus={draft.error !== undefined}>{draft.config}</textarea>
          <p id="cfg-hint" class="hint">Keys the server reads: resourceTypes, validation, referentialIntegrity, maxCount, maxBundleEntries, rateLimit {'{requestsPerSecond, burst}'}.</p>
          <button type="submit">Save configuration</button>
        </form>
      </section>

      <section class="card danger" aria-labelledby="purge-h">
        <h2 id="purge-h">Purge</h2>
        <form method="post" action={url(`${base}/purge`)}>
          <Csrf token={csrf} />
          <p>Deletes every row of this tenant in every tenant table. This cannot be undone; export first.</p>
          <label for="purge-confirm">Type the tenant id <code>{t.id}</code> to confirm</label>
          <input id="purge-confirm" name="confirm" autocomplete="off" required />
          <button type="submit" class="danger">Purge tenant</button>
        </form>
      </section>
    </>
  );
}

async function detailPage(c: Context<ConsoleEnv>, deps: Deps, id: string, draft?: ConfigDraft, status: 200 | 400 = 200) {
  const call = caller(c, deps);
  const got = await attempt(c, () => getTenantOp.invoke(call, { params: { id } }));
  if (!got.ok) return render(c, { title: 'Tenant', section: '/tenants', flash: { kind: 'error', text: got.error } }, got.status === 404 ? 404 : 400);
  const t = got.value;
  const reindex = (await listReindexRequestsOp.invoke(call, {})).find((r) => r.tenant === id);
  const running = reindex !== undefined && reindex.finishedAt === null;
  return render(c, {
    title: `Tenant ${t.id}: ${t.name}`, section: '/tenants',
    // While a reindex runs the page reloads itself to show its progress (no script needed).
    refresh: running ? 2 : undefined,
    children: <Detail t={t} csrf={c.var.session.csrf} reindex={reindex} draft={draft ?? { name: t.name, config: JSON.stringify(t.config, null, 2) }} />,
  }, status);
}

/** /console/tenants/{id}: status, reindex with progress, configuration, purge, export. */
export function tenantPages(deps: Deps): Hono<ConsoleEnv> {
  const app = new Hono<ConsoleEnv>();
  app.get('/:id', (c) => detailPage(c, deps, c.req.param('id')));

  app.post('/:id/status', async (c) => {
    const id = c.req.param('id');
    const status = field(c, 'status');
    const done = await attempt(c, () => updateTenantOp.invoke(caller(c, deps), { params: { id }, body: { status } }));
    return redirectWith(c, `/tenants/${id}`, done.ok ? { kind: 'ok', text: `Tenant ${id} is now ${done.value.status}.` } : { kind: 'error', text: done.error });
  });

  app.post('/:id/config', async (c) => {
    const id = c.req.param('id');
    const draft: ConfigDraft = { name: field(c, 'name'), config: field(c, 'config') };
    const done = await attempt(c, () => updateTenantOp.invoke(caller(c, deps), {
      params: { id }, body: { name: draft.name, config: parseJsonField(draft.config, 'config') ?? {} },
    }));
    if (!done.ok) return detailPage(c, deps, id, { ...draft, error: done.error }, 400);
    return redirectWith(c, `/tenants/${id}`, { kind: 'ok', text: 'Configuration saved.' });
  });

  app.post('/:id/reindex', async (c) => {
    const id = c.req.param('id');
    const done = await attempt(c, () => requestReindexOp.invoke(caller(c, deps), { body: { tenant: id } }));
    return redirectWith(c, `/tenants/${id}`, done.ok ? { kind: 'ok', text: 'Reindex queued.' } : { kind: 'error', text: done.error });
  });

  app.post('/:id/purge', async (c) => {
    const id = c.req.param('id');
    if (field(c, 'confirm') !== id) return redirectWith(c, `/tenants/${id}`, { kind: 'error', text: `Not purged: type the tenant id "${id}" exactly to confirm.` });
    const done = await attempt(c, () => purgeTenantOp.invoke(caller(c, deps), { params: { id } }));
    if (!done.ok) return redirectWith(c, `/tenants/${id}`, { kind: 'error', text: done.error });
    const rows = Object.values(done.value.rowsDeleted).reduce((a, b) => a + b, 0);
    return redirectWith(c, '/tenants', { kind: 'ok', text: `Tenant ${id} purged (${rows} rows deleted).` });
  });

  app.get('/:id/export', async (c) => {
    const id = c.req.param('id');
    const done = await attempt(c, () => exportTenantOp.invoke(caller(c, deps), { params: { id } }));
    if (!done.ok) return render(c, { title: 'Export', section: '/tenants', flash: { kind: 'error', text: done.error } }, 404);
    c.header('Content-Disposition', `attachment; filename="${id}.ndjson"`);
    return exportTenant(c, deps.db, id);
  });
  return app;
}
