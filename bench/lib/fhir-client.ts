import { ADMIN_TOKEN } from './server.js';
import type { BundleText } from '../../test/fixtures/synthea.js';

/** The few HTTP calls the benchmarks make to set up data (not measured by a load generator). */
export async function createTenant(base: string, id: string): Promise<void> {
  const res = await fetch(`${base}/admin/tenants`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ id, name: id }),
  });
  if (res.status !== 201) throw new Error(`create tenant ${id}: ${res.status} ${await res.text()}`);
}

export async function postBundle(base: string, tenant: string, body: string): Promise<void> {
  const res = await fetch(`${base}/tenants/${tenant}/fhir`, {
    method: 'POST',
    headers: { 'content-type': 'application/fhir+json', prefer: 'return=minimal' },
    body,
  });
  if (res.status !== 200) throw new Error(`bundle into ${tenant}: ${res.status} ${(await res.text()).slice(0, 500)}`);
  await res.arrayBuffer();
}

/** Posts the bundles with `concurrency` clients; resolves to the elapsed seconds. */
export async function loadBundles(base: string, tenant: string, bundles: readonly BundleText[], concurrency = 1): Promise<number> {
  const started = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < bundles.length) await postBundle(base, tenant, bundles[next++]!.body);
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return (performance.now() - started) / 1000;
}
