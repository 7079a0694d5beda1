import { getSearchParams } from './search/registry.js';
import { resourceTypes } from '../core/resource-types.js';

export const TABLE_SET_EXTENSION = 'https://fhir-rls.dev/StructureDefinition/table-set';

// Defined by R4 but not implemented: listed nowhere, and ignored (or 400 when strict) if sent.
const UNSUPPORTED = new Set(['_text', '_content', '_query', '_filter', '_list', 'near']);

function searchParams(type: string) {
  return [...getSearchParams(type).values()]
    .filter((p) => p.type !== 'special' && p.expression !== null && !UNSUPPORTED.has(p.code))
    .map((p) => ({ name: p.code, definition: p.url, type: p.type, documentation: p.description }));
}

const INSTANCE = ['read', 'vread', 'update', 'delete', 'history-instance'];
const TYPE = ['create', 'search-type', 'history-type'];

// The per-type part is large and the same for every request of a scope: built once.
const cache = new Map<string, unknown[]>();

function resourcesOf(scope: 'tenant' | 'shared', sharedTypes: ReadonlySet<string>): unknown[] {
  const key = `${scope}|${[...sharedTypes].join(',')}`;
  const cached = cache.get(key);
  if (cached) return cached;
  const types = resourceTypes().filter((t) => scope === 'tenant' || sharedTypes.has(t));
  const resources = types.map((type) => ({
    extension: [{ url: TABLE_SET_EXTENSION, valueCode: scope === 'shared' ? 'shared' : sharedTypes.has(type) ? 'tenant+shared' : 'tenant' }],
    type,
    interaction: [...INSTANCE, ...TYPE].map((code) => ({ code })),
    versioning: 'versioned-update',
    readHistory: true,
    updateCreate: true,
    conditionalCreate: true,
    conditionalUpdate: true,
    conditionalDelete: 'multiple',
    searchInclude: [...getSearchParams(type).values()].filter((p) => p.type === 'reference').map((p) => `${type}:${p.code}`),
    searchParam: searchParams(type),
  }));
  cache.set(key, resources);
  return resources;
}

/**
 * The CapabilityStatement of one base (R4 §3.1.0.14): the interactions the server really
 * supports, per type, and which table set each type lives in. The shared base lists only the
 * shareable types.
 */
export function capabilityStatement(options: {
  base: string;
  scope: 'tenant' | 'shared';
  sharedTypes: ReadonlySet<string>;
  software: { name: string; version: string };
  /** The tenant's enabled types (tenant config); undefined: all. */
  enabledTypes?: ReadonlySet<string>;
}) {
  const all = resourcesOf(options.scope, options.sharedTypes) as { type: string }[];
  const resources = options.enabledTypes ? all.filter((r) => options.enabledTypes!.has(r.type)) : all;
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: new Date().toISOString(),
    kind: 'instance',
    software: options.software,
    implementation: { description: options.scope === 'shared' ? 'Shared resources' : 'Tenant FHIR endpoint', url: options.base },
    fhirVersion: '4.0.1',
    format: ['application/fhir+json', 'json'],
    rest: [
      {
        mode: 'server',
        documentation: options.scope === 'shared'
          ? 'The shared table set: every tenant reads it; writes need the privileged credential.'
          : 'One tenant: its own resources, plus read access to the shared resources of shareable types.',
        interaction: [{ code: 'history-system' }, { code: 'search-system' }],
        // R4 §3.1.1.5: the text search parameters are not supported.
        extension: [{ url: 'https://fhir-rls.dev/StructureDefinition/unsupported-search', valueString: '_text, _content, _query, _filter, _list, near' }],
        resource: resources,
      },
    ],
  };
}
