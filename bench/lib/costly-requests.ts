import type { RequestSpec } from './loads.js';

/**
 * The costly requests of issue 12, each small (about 1 KB, the search form body aside), that a
 * noisy tenant sends while the quiet tenant's latency is measured (bench/neighbour.ts). Each is a
 * valid request: a server may answer it or refuse it on cost (too-costly), not fail on it.
 */
// The patch comes last: should it succeed, the Patients it grew would weigh on every later kind.
export const COSTLY_KINDS = ['ofType15', 'repeatRowIndex', 'search40k', 'chain4Contains', 'hasUnanalyzed', 'patchCopy21'] as const;
export type CostlyKind = (typeof COSTLY_KINDS)[number];

export const COSTLY_NAMES: Record<CostlyKind, string> = {
  ofType15: 'ViewDefinition/$run, column path with ofType() nested 15 deep',
  repeatRowIndex: 'ViewDefinition/$run, repeat ["$this","$this"] + %rowIndex column',
  patchCopy21: 'JSON Patch, 21 x copy /extension -> /extension/-',
  search40k: 'POST Patient/_search, name= with 40,000 comma-separated values',
  chain4Contains: 'Observation?subject.organization.partof.partof.name:contains=a (4 hops)',
  hasUnanalyzed: 'Patient?_has:Observation:patient:code=c3 (400 Patients + 1,200 Observations, never analyzed)',
};

const FHIR_JSON = { 'content-type': 'application/fhir+json' };

function viewRun(base: string, select: unknown[]): RequestSpec {
  const view = { resourceType: 'ViewDefinition', status: 'active', resource: 'Patient', select };
  return {
    label: 'view',
    method: 'POST',
    path: `${base}/ViewDefinition/$run`,
    headers: FHIR_JSON,
    body: JSON.stringify({ resourceType: 'Parameters', parameter: [{ name: 'viewResource', resource: view }] }),
  };
}

/**
 * `extension.ofType(string).extension.ofType(string)…`: each ofType() on a member compiles its
 * target twice (the choice element and the plain member), so a naive compiler doubles per level.
 */
export function ofTypeNested(depth = 15): string {
  return Array.from({ length: depth }, () => 'extension.ofType(string)').join('.');
}

/** The requests of one kind against the noisy tenant's base (`/tenants/{t}/fhir`); patchIds: Patients with an extension. */
export function costlyRequests(kind: CostlyKind, base: string, patchIds: readonly string[]): RequestSpec[] {
  switch (kind) {
    case 'ofType15':
      return [{ ...viewRun(base, [{ column: [{ name: 'id', path: 'id' }, { name: 'deep', path: ofTypeNested(15), collection: true }] }]), label: kind }];
    case 'repeatRowIndex':
      return [{ ...viewRun(base, [{ column: [{ name: 'id', path: 'id' }] }, { repeat: ['$this', '$this'], column: [{ name: 'ri', path: '%rowIndex' }] }]), label: kind }];
    case 'patchCopy21': {
      const ops = JSON.stringify(Array.from({ length: 21 }, () => ({ op: 'copy', from: '/extension', path: '/extension/-' })));
      return patchIds.map((id) => ({ label: kind, method: 'PATCH', path: `${base}/Patient/${id}`, headers: { 'content-type': 'application/json-patch+json' }, body: ops }));
    }
    case 'search40k': {
      const values = Array.from({ length: 40_000 }, (_, i) => i.toString(36)).join(',');
      return [{ label: kind, method: 'POST', path: `${base}/Patient/_search`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `name=${values}` }];
    }
    case 'chain4Contains':
      return [{ label: kind, method: 'GET', path: `${base}/Observation?subject.organization.partof.partof.name:contains=a` }];
    case 'hasUnanalyzed':
      return [{ label: kind, method: 'GET', path: `${base}/Patient?_has:Observation:patient:code=c3` }];
  }
}
