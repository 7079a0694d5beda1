import { Hono, type Context } from 'hono';
import { tenantUsageOp } from '../../analytics/admin-routes.js';
import { createTenantOp } from '../../admin/routes.js';
import type { TenantUsage } from '../../analytics/analytics-views.js';
import { TENANT_ID_PATTERN } from '../../core/ids.js';
import type { Deps } from '../../env.js';
import { attempt, caller } from '../call.js';
import type { ConsoleEnv } from '../env.js';
import { field } from '../guard.js';
import { bytes, Csrf, Message, redirectWith, render, url } from '../layout.js';
import { parseJsonField } from './json-field.js';

interface Draft { id: string; name: string; config: string; error?: string }

const TenantTable = ({ tenants }: { tenants: TenantUsage[] }) => (
  <div class="scroll" role="region" aria-labelledby="tenants-h" tabindex={0}>
    <table>
      <caption id="tenants-h">Tenants, with their resources and size</caption>
      <thead>
        <tr><th scope="col">Tenant</th><th scope="col">Name</th><th scope="col">Status</th><th scope="col" class="num">Resources</th><th scope="col" class="num">Rows</th><th scope="col" class="num">Size</th></tr>
      </thead>
      <tbody>
        {tenants.map((t) => (
          <tr>
            <th scope="row"><a href={url(`/tenants/${t.id}`)}>{t.id}</a></th>
            <td>{t.name}</td>
            <td><span class={`status status-${t.status}`}>{t.status}</span></td>
            <td class="num">{t.resources}</td>
            <td class="num">{t.totalRows}</td>
            <td class="num">{bytes(t.totalBytes)}</td>
          </tr>
        ))}
      </tbody>
    </table>
    {tenants.length === 0 ? <p>No tenants yet.</p> : null}
  </div>
);

const CreateForm = ({ csrf, draft }: { csrf: string; draft: Draft }) => (
  <form method="post" action={url('/tenants')} class="card" aria-labelledby="create-h">
    <h2 id="create-h">Create a tenant</h2>
    {draft.error ? <Message flash={{ kind: 'error', text: draft.error }} /> : null}
    <Csrf token={csrf} />
    <label for="new-id">Tenant id</label>
    <input id="new-id" name="id" required pattern={TENANT_ID_PATTERN} value={draft.id} aria-describedby="new-id-hint" autocomplete="off" />
    <p id="new-id-hint" class="hint">Lower-case letters, digits and hyphens; used in the tenant's FHIR base /tenants/&lt;id&gt;/fhir.</p>
    <label for="new-name">Name</label>
    <input id="new-name" name="name" value={draft.name} />
    <label for="new-config">Configuration (JSON, optional)</label>
    <textarea id="new-config" name="config" rows={3} spellcheck={false}>{draft.config}</textarea>
    <button type="submit">Create tenant</button>
  </form>
);

async function listPage(c: Context<ConsoleEnv>, deps: Deps, draft: Draft, status: 200 | 400 | 409 = 200) {
  const tenants = await tenantUsageOp.invoke(caller(c, deps), {});
  return render(c, {
    title: 'Tenants', section: '/tenants',
    children: (<><TenantTable tenants={tenants} /><CreateForm csrf={c.var.session.csrf} draft={draft} /></>),
  }, status);
}

/** /console/tenants: the list with usage (fhir_admin.list_tenant_usage) and the create form. */
export function tenantListPages(deps: Deps): Hono<ConsoleEnv> {
  const app = new Hono<ConsoleEnv>();
  app.get('/', (c) => listPage(c, deps, { id: '', name: '', config: '' }));
  app.post('/', async (c) => {
    const draft: Draft = { id: field(c, 'id'), name: field(c, 'name'), config: field(c, 'config') };
    const made = await attempt(c, async () => createTenantOp.invoke(caller(c, deps), {
      body: { id: draft.id, name: draft.name.trim() === '' ? undefined : draft.name, config: parseJsonField(draft.config, 'config') },
    }));
    if (!made.ok) return listPage(c, deps, { ...draft, error: made.error }, made.status === 409 ? 409 : 400);
    return redirectWith(c, `/tenants/${made.value.id}`, { kind: 'ok', text: `Tenant ${made.value.id} created.` });
  });
  return app;
}
