import { FhirError } from '../../core/errors.js';
import type { Tx } from '../../db/database.js';
import { run, sql } from '../../db/sql.js';
import { SHARED_TABLES, tenantTables, type TableSet } from '../../db/table-set.js';
import type { Deps } from '../../env.js';
import { withSession, type FhirContext } from '../context.js';
import type { ReadScope } from '../extensions.js';
import { sendJson } from '../respond.js';

/*
 * GET [base]/metadata?mode=terminology: a TerminologyCapabilities (R4) of the base's scope: the
 * code systems it can use (the tenant's own and the shared ones; on /shared/fhir the shared
 * ones), at most MAX_SYSTEMS of them, read as url and version only (never the concepts), and
 * what the operations support. $closure is not offered, so `closure` is absent (R4: its
 * presence says the operation is supported).
 */

const MAX_SYSTEMS = 500;

async function systemsOf(tx: Tx, set: TableSet): Promise<{ url: string | null; version: string | null }[]> {
  return run(tx, sql`select resource->>'url' as url, resource->>'version' as version from ${set.current}
    where ${set.key()}resource_type = 'CodeSystem' and not deleted order by last_updated desc limit ${MAX_SYSTEMS}`);
}

async function codeSystems(tx: Tx, s: ReadScope): Promise<{ uri: string; version?: { code: string }[] }[]> {
  try {
    // Listing code systems is a search of them: a caller that may not search CodeSystem sees none.
    if (s.criteria('CodeSystem') !== undefined) return [];
  } catch (e) {
    if (e instanceof FhirError && e.status === 403) return [];
    throw e;
  }
  const sets = s.scope.kind === 'tenant' ? [tenantTables(s.scope.tenantId), SHARED_TABLES] : [SHARED_TABLES];
  const byUrl = new Map<string, Set<string>>();
  for (const set of sets) {
    for (const row of await systemsOf(tx, set)) {
      if (row.url === null || (!byUrl.has(row.url) && byUrl.size >= MAX_SYSTEMS)) continue;
      const versions = byUrl.get(row.url) ?? new Set<string>();
      if (row.version !== null) versions.add(row.version);
      byUrl.set(row.url, versions);
    }
  }
  return [...byUrl].map(([uri, versions]) => ({ uri, ...(versions.size ? { version: [...versions].map((code) => ({ code })) } : {}), subsumption: true }));
}

export async function terminologyCapabilities(c: FhirContext, deps: Deps, software: { name: string; version: string }): Promise<Response> {
  const systems = await withSession(c, deps, { check: 'admission' }, (repo) => repo.readWith(codeSystems));
  return sendJson(c, 200, JSON.stringify({
    resourceType: 'TerminologyCapabilities',
    status: 'active',
    date: new Date().toISOString(),
    kind: 'instance',
    software,
    implementation: { description: c.var.scope.kind === 'shared' ? 'Shared terminology' : 'Tenant terminology', url: c.var.fhirBase },
    codeSearch: 'explicit',
    codeSystem: systems,
    expansion: { hierarchical: false, paging: true, incomplete: false, textFilter: 'Case-insensitive substring of the code or display' },
    validateCode: { translations: false },
    translation: { needsMap: false },
  }));
}
