import { Hono, type Context } from 'hono';
import { createPolicyOp, deletePolicyOp, explainOp, getPolicyOp, listPoliciesOp, putPolicyOp } from '../../admin/policy-routes.js';
import type { AccessPolicy } from '../../auth/policies.js';
import type { Deps } from '../../env.js';
import { attempt, caller } from '../call.js';
import type { ConsoleEnv } from '../env.js';
import { field } from '../guard.js';
import { Csrf, Message, redirectWith, render, url } from '../layout.js';
import { parseJsonField } from './json-field.js';

const TEMPLATE = JSON.stringify({
  id: 'vitals-only', client: 'my-app', tenant: 'acme', description: 'reads vital signs only',
  rules: [{ resourceTypes: ['Observation'], interactions: ['read', 'search'], criteria: 'Observation?category=vital-signs' }],
}, null, 2);

interface Explain { method: string; path: string; tenant: string; result?: string; error?: string }

const PolicyTable = ({ policies, csrf }: { policies: AccessPolicy[]; csrf: string }) => (
  <div class="scroll" role="region" aria-labelledby="pol-h" tabindex={0}>
    <table>
      <caption id="pol-h">Access policies</caption>
      <thead><tr><th scope="col">Policy</th><th scope="col">Client</th><th scope="col">Tenant</th><th scope="col">Rules</th><th scope="col">Actions</th></tr></thead>
      <tbody>
        {policies.map((p) => (
          <tr>
            <th scope="row"><a href={url(`/policies/${encodeURIComponent(p.id)}`)}>{p.id}</a></th>
            <td>{p.client}</td>
            <td>{p.tenant}</td>
            <td>{p.rules.map((r) => `${r.interactions.join(', ')} on ${r.resourceTypes.join(', ')}${r.criteria ? ` where ${r.criteria}` : ''}`).join('; ')}</td>
            <td>
              <form method="post" action={url(`/policies/${encodeURIComponent(p.id)}/delete`)} class="inline">
                <Csrf token={csrf} />
                <button type="submit" aria-label={`Delete policy ${p.id}`}>Delete</button>
              </form>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
    {policies.length === 0 ? <p>No access policies: clients are limited by their SMART scopes alone.</p> : null}
  </div>
);

const PolicyForm = ({ csrf, action, text, error, title }: { csrf: string; action: string; text: string; error?: string | undefined; title: string }) => (
  <form method="post" action={action} class="card" aria-labelledby="polform-h">
    <h2 id="polform-h">{title}</h2>
    {error ? <Message flash={{ kind: 'error', text: error }} /> : null}
    <Csrf token={csrf} />
    <label for="policy-json">Policy (JSON)</label>
    <textarea id="policy-json" name="policy" rows={10} spellcheck={false} aria-invalid={error ? 'true' : undefined} autofocus={error !== undefined}>{text}</textarea>
    <button type="submit">Save policy</button>
  </form>
);

const ExplainForm = ({ csrf, e }: { csrf: string; e: Explain }) => (
  <form method="post" action={url('/policies/explain')} class="card" aria-labelledby="explain-h">
    <h2 id="explain-h">Explain a decision</h2>
    <p class="hint">Which policy allows or denies a request line for a token, and why.</p>
    {e.error ? <Message flash={{ kind: 'error', text: e.error }} /> : null}
    <Csrf token={csrf} />
    <div class="row">
      <div>
        <label for="ex-method">Method</label>
        <select id="ex-method" name="method">{['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].map((m) => <option selected={m === e.method}>{m}</option>)}</select>
      </div>
      <div class="grow">
        <label for="ex-url">Request path</label>
        <input id="ex-url" name="url" required value={e.path} placeholder="/tenants/acme/fhir/Observation/1" />
      </div>
    </div>
    <label for="ex-token">Token of the client (leave empty for gateway mode)</label>
    <input id="ex-token" name="token" type="password" autocomplete="off" />
    <label for="ex-tenant">Tenant (for a /fhir path when the token names none)</label>
    <input id="ex-tenant" name="tenant" value={e.tenant} />
    <button type="submit">Explain</button>
    {e.result ? <pre class="json" role="status" tabindex={0} aria-label="Decision">{e.result}</pre> : null}
  </form>
);

async function listPage(c: Context<ConsoleEnv>, deps: Deps, o: { draft?: string; error?: string; explain?: Explain } = {}, status: 200 | 400 = 200) {
  const policies = await listPoliciesOp.invoke(caller(c, deps), {});
  const csrf = c.var.session.csrf;
  return render(c, {
    title: 'Access policies', section: '/policies',
    children: (
      <>
        <PolicyTable policies={policies} csrf={csrf} />
        <PolicyForm csrf={csrf} action={url('/policies')} text={o.draft ?? TEMPLATE} error={o.error} title="Create a policy" />
        <ExplainForm csrf={csrf} e={o.explain ?? { method: 'GET', path: '', tenant: '' }} />
      </>
    ),
  }, status);
}

/** /console/policies: list, create, edit, delete, and the explain tool (admin/policy-routes.ts). */
export function policyPages(deps: Deps): Hono<ConsoleEnv> {
  const app = new Hono<ConsoleEnv>();
  app.get('/', (c) => listPage(c, deps));

  app.post('/', async (c) => {
    const draft = field(c, 'policy');
    const done = await attempt(c, async () => createPolicyOp.invoke(caller(c, deps), { body: parseJsonField(draft, 'policy') }));
    if (!done.ok) return listPage(c, deps, { draft, error: done.error }, 400);
    return redirectWith(c, '/policies', { kind: 'ok', text: `Policy ${done.value.id} saved.` });
  });

  app.post('/explain', async (c) => {
    const e: Explain = { method: field(c, 'method'), path: field(c, 'url'), tenant: field(c, 'tenant') };
    const token = field(c, 'token');
    const done = await attempt(c, () => explainOp.invoke(caller(c, deps), {
      body: { method: e.method, url: e.path, token: token === '' ? undefined : token, tenant: e.tenant === '' ? undefined : e.tenant },
    }));
    return listPage(c, deps, { explain: done.ok ? { ...e, result: JSON.stringify(done.value, null, 2) } : { ...e, error: done.error } }, done.ok ? 200 : 400);
  });

  app.get('/:id', async (c) => {
    const id = c.req.param('id');
    const got = await attempt(c, () => getPolicyOp.invoke(caller(c, deps), { params: { id } }));
    if (!got.ok) return render(c, { title: 'Access policy', section: '/policies', flash: { kind: 'error', text: got.error } }, 404);
    return editPage(c, id, JSON.stringify(got.value, null, 2));
  });

  const editPage = (c: Context<ConsoleEnv>, id: string, text: string, error?: string) => render(c, {
    title: `Access policy ${id}`, section: '/policies',
    children: (
      <>
        <p><a href={url('/policies')}>Back to the policies</a></p>
        <PolicyForm csrf={c.var.session.csrf} action={url(`/policies/${encodeURIComponent(id)}`)} text={text} error={error} title="Edit the policy" />
      </>
    ),
  }, error ? 400 : 200);

  app.post('/:id', async (c) => {
    const id = c.req.param('id');
    const draft = field(c, 'policy');
    const done = await attempt(c, async () => putPolicyOp.invoke(caller(c, deps), { params: { id }, body: parseJsonField(draft, 'policy') }));
    if (!done.ok) return editPage(c, id, draft, done.error);
    return redirectWith(c, '/policies', { kind: 'ok', text: `Policy ${id} saved.` });
  });

  app.post('/:id/delete', async (c) => {
    const id = c.req.param('id');
    const done = await attempt(c, () => deletePolicyOp.invoke(caller(c, deps), { params: { id } }));
    return redirectWith(c, '/policies', done.ok ? { kind: 'ok', text: `Policy ${id} deleted.` } : { kind: 'error', text: done.error });
  });
  return app;
}
