import { Hono, type Context } from 'hono';
import { resourceTypes, isResourceType } from '../../core/resource-types.js';
import { isId } from '../../core/ids.js';
import { isJsonObject, type JsonObject } from '../../core/json.js';
import type { AppFetch, ConsoleEnv } from '../env.js';
import { fhirRequest, problem } from '../fhir-client.js';
import { field, fileField } from '../guard.js';
import { Csrf, redirectWith, render, url } from '../layout.js';
import { summary } from './summary.js';

const objects = (v: unknown): JsonObject[] => (Array.isArray(v) ? v.filter(isJsonObject) : []);
const str = (v: unknown) => (typeof v === 'string' ? v : '');

/** A link of a Bundle (next, previous) as a console URL; only paths on this tenant's base are followed. */
function pageLink(tenant: string, href: string): string | undefined {
  let u: URL;
  try {
    u = new URL(href);
  } catch {
    return undefined;
  }
  if (!u.pathname.startsWith(`/tenants/${tenant}/fhir/`)) return undefined;
  return url(`/tenants/${tenant}/fhir?page=${encodeURIComponent(u.pathname + u.search)}`);
}

const SearchForm = ({ tenant, type, q }: { tenant: string; type: string; q: string }) => (
  <form method="get" action={url(`/tenants/${tenant}/fhir`)} class="card search" aria-labelledby="search-h">
    <h2 id="search-h">Search</h2>
    <div class="row">
      <div>
        <label for="type">Resource type</label>
        <select id="type" name="type">
          {resourceTypes().map((t) => <option value={t} selected={t === type}>{t}</option>)}
        </select>
      </div>
      <div class="grow">
        <label for="q">Search parameters (a query string)</label>
        <input id="q" name="q" value={q} placeholder="name=smith&amp;_count=20" aria-describedby="q-hint" autocomplete="off" />
        <p id="q-hint" class="hint">As after the ? of a FHIR search, e.g. <code>birthdate=ge1970&amp;_sort=-_lastUpdated</code>.</p>
      </div>
    </div>
    <button type="submit">Search</button>
  </form>
);

function Results({ tenant, bundle }: { tenant: string; bundle: JsonObject }) {
  const entries = objects(bundle.entry).map((e) => e.resource).filter(isJsonObject);
  const links = objects(bundle.link);
  const next = links.find((l) => l.relation === 'next');
  const prev = links.find((l) => l.relation === 'previous' || l.relation === 'prev');
  const nextHref = next ? pageLink(tenant, str(next.url)) : undefined;
  const prevHref = prev ? pageLink(tenant, str(prev.url)) : undefined;
  return (
    <section aria-labelledby="results-h">
      <h2 id="results-h">Results{typeof bundle.total === 'number' ? ` (${bundle.total} in all)` : ''}</h2>
      <div class="scroll" role="region" aria-label="Search results" tabindex={0}>
        <table>
          <thead><tr><th scope="col">Resource</th><th scope="col">Summary</th><th scope="col">Last updated</th></tr></thead>
          <tbody>
            {entries.map((r) => {
              const meta = isJsonObject(r.meta) ? r.meta : {};
              return (
                <tr>
                  <th scope="row"><a href={url(`/tenants/${tenant}/fhir/${str(r.resourceType)}/${str(r.id)}`)}>{`${str(r.resourceType)}/${str(r.id)}`}</a></th>
                  <td>{summary(r)}</td>
                  <td>{str(meta.lastUpdated)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      {entries.length === 0 ? <p>No resources match.</p> : null}
      <nav aria-label="Pages of results" class="pager">
        {prevHref ? <a href={prevHref} rel="prev">Previous page</a> : null}
        {nextHref ? <a href={nextHref} rel="next">Next page</a> : null}
      </nav>
    </section>
  );
}

const LoadForm = ({ tenant, csrf }: { tenant: string; csrf: string }) => (
  <form method="post" action={url(`/tenants/${tenant}/fhir/bundle`)} enctype="multipart/form-data" class="card" aria-labelledby="load-h">
    <h2 id="load-h">Load a transaction or batch Bundle</h2>
    <Csrf token={csrf} />
    <label for="bundle-file">Bundle file (JSON, e.g. from Synthea)</label>
    <input id="bundle-file" name="file" type="file" accept=".json,application/json,application/fhir+json" />
    <label for="bundle-text">or paste the Bundle</label>
    <textarea id="bundle-text" name="bundle" rows={4} spellcheck={false}></textarea>
    <button type="submit">Load bundle</button>
  </form>
);

/** The outcome of a loaded bundle, told as counts of each entry status. */
function loadOutcome(body: JsonObject | undefined): string {
  const counts = new Map<string, number>();
  for (const e of objects(body?.entry)) {
    const status = isJsonObject(e.response) ? str(e.response.status).split(' ')[0] ?? '?' : '?';
    counts.set(status, (counts.get(status) ?? 0) + 1);
  }
  return [...counts].map(([s, n]) => `${n} × ${s}`).join(', ') || 'no entries';
}

/**
 * /console/tenants/{id}/fhir: a FHIR browser of one tenant, every request through the FHIR core
 * with the operator's credential (fhir-client.ts).
 */
export function fhirPages(fetch: AppFetch): Hono<ConsoleEnv> {
  const app = new Hono<ConsoleEnv>();

  app.get('/:tenant/fhir', async (c) => {
    const tenant = c.req.param('tenant');
    const page = c.req.query('page');
    const type = c.req.query('type') ?? 'Patient';
    const q = (c.req.query('q') ?? '').replace(/^\?/, '');
    const title = `FHIR data of ${tenant}`;
    const form = <SearchForm tenant={tenant} type={type} q={q} />;
    const load = <LoadForm tenant={tenant} csrf={c.var.session.csrf} />;
    const searched = page !== undefined || c.req.query('type') !== undefined;
    if (!searched) return render(c, { title, section: '/tenants', children: <>{form}{load}</> });
    let path: string;
    if (page !== undefined) {
      if (!page.startsWith(`/tenants/${tenant}/fhir/`) || page.includes('..')) return render(c, { title, section: '/tenants', flash: { kind: 'error', text: 'Not a page of this tenant' }, children: form }, 400);
      path = page;
    } else {
      if (!isResourceType(type)) return render(c, { title, section: '/tenants', flash: { kind: 'error', text: `${type} is not an R4 resource type` }, children: form }, 400);
      path = `/tenants/${tenant}/fhir/${type}${q ? `?${q}` : ''}`;
    }
    const answer = await fhirRequest(c, fetch, path);
    if (answer.status !== 200 || answer.body?.resourceType !== 'Bundle') {
      return render(c, { title, section: '/tenants', flash: { kind: 'error', text: problem(answer) }, children: <>{form}{load}</> }, 400);
    }
    return render(c, { title, section: '/tenants', children: <>{form}<Results tenant={tenant} bundle={answer.body} />{load}</> });
  });

  app.post('/:tenant/fhir/bundle', async (c) => {
    const tenant = c.req.param('tenant');
    const body = (await fileField(c, 'file')) ?? field(c, 'bundle');
    if (body.trim() === '') return redirectWith(c, `/tenants/${tenant}/fhir`, { kind: 'error', text: 'Choose a file or paste a Bundle.' });
    const answer = await fhirRequest(c, fetch, `/tenants/${tenant}/fhir`, { method: 'POST', body });
    const ok = answer.status === 200 && answer.body?.resourceType === 'Bundle';
    return redirectWith(c, `/tenants/${tenant}/fhir`, ok ? { kind: 'ok', text: `Bundle loaded: ${loadOutcome(answer.body)}.` } : { kind: 'error', text: `Bundle refused: ${problem(answer)}` });
  });

  app.get('/:tenant/fhir/:type/:id', async (c) => {
    const { tenant, type, id } = c.req.param();
    const title = `${type}/${id} of ${tenant}`;
    if (!isResourceType(type) || !isId(id)) return render(c, { title, section: '/tenants', flash: { kind: 'error', text: 'Not a resource type and id' } }, 400);
    const version = c.req.query('version');
    const base = `/tenants/${tenant}/fhir/${type}/${id}`;
    const [read, history] = await Promise.all([
      fhirRequest(c, fetch, version !== undefined && isId(version) ? `${base}/_history/${version}` : base),
      fhirRequest(c, fetch, `${base}/_history?_count=50`),
    ]);
    const versions = objects(history.body?.entry).map((e) => ({ resource: isJsonObject(e.resource) ? e.resource : undefined, request: isJsonObject(e.request) ? e.request : {} }));
    const back = <p><a href={url(`/tenants/${tenant}/fhir?type=${type}`)}>{`Back to ${type} search`}</a></p>;
    if (read.status !== 200 || read.body === undefined) {
      return render(c, { title, section: '/tenants', flash: { kind: 'error', text: problem(read) }, children: back }, read.status === 404 || read.status === 410 ? 404 : 400);
    }
    return render(c, {
      title, section: '/tenants',
      children: (
        <>
          {back}
          <section aria-labelledby="json-h">
            <h2 id="json-h">{version ? `Version ${version}` : 'Current version'}</h2>
            <pre class="json" tabindex={0} aria-label="Resource JSON">{JSON.stringify(read.body, null, 2)}</pre>
          </section>
          <section aria-labelledby="history-h">
            <h2 id="history-h">History</h2>
            <div class="scroll" role="region" aria-label="History" tabindex={0}>
              <table>
                <thead><tr><th scope="col">Version</th><th scope="col">Last updated</th><th scope="col">Change</th></tr></thead>
                <tbody>
                  {versions.map(({ resource, request }) => {
                    const meta = resource && isJsonObject(resource.meta) ? resource.meta : {};
                    const v = str(meta.versionId);
                    return (
                      <tr>
                        <th scope="row">{v && resource ? <a href={url(`/tenants/${tenant}/fhir/${type}/${id}?version=${v}`)}>{v}</a> : '(deleted)'}</th>
                        <td>{str(meta.lastUpdated)}</td>
                        <td>{str(request.method)}</td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
          </section>
        </>
      ),
    });
  });
  return app;
}
