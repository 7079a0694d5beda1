import { getSearchParams } from './search/registry.js';
import { resourceTypes } from '../core/resource-types.js';
import { withCustomParams } from './custom-params/capability-params.js';
import type { ParamSet } from './custom-params/param-set.js';

export const TABLE_SET_EXTENSION = 'https://fhir-rls.dev/StructureDefinition/table-set';

// Defined by R4 but not implemented: listed nowhere, and ignored (or 400 when strict) if sent.
const UNSUPPORTED = new Set(['_text', '_content', '_query', '_filter', '_list', 'near']);

function searchParams(type: string) {
  return [...getSearchParams(type).values()]
    .filter((p) => p.type !== 'special' && p.expression !== null && !UNSUPPORTED.has(p.code))
    .map((p) => ({ name: p.code, definition: p.url, type: p.type, documentation: p.description }));
}

const INSTANCE = ['read', 'vread', 'update', 'patch', 'delete', 'history-instance'];
const TYPE = ['create', 'search-type', 'history-type'];
const SYSTEM = ['transaction', 'batch', 'history-system', 'search-system'];

/**
 * Stored but never acted on (no notification is sent): advertising it would promise processing
 * that does not exist. A Subscription can still be written and read.
 */
const NOT_ADVERTISED = new Set(['Subscription']);

/** $validate is answered on every type (handlers/operations.ts). */
export const VALIDATE_DEFINITION = 'http://hl7.org/fhir/OperationDefinition/Resource-validate';

const SMART_SERVICE = { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/restful-security-service', code: 'SMART-on-FHIR' }] };
const OAUTH_URIS = 'http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris';

interface Operation {
  name: string;
  definition: string;
}

/** `Source:param` of every reference parameter that may point at `type` (R4 searchRevInclude). */
function revIncludes(types: readonly string[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const source of types) {
    for (const p of getSearchParams(source).values()) {
      if (p.type !== 'reference') continue;
      for (const target of p.target) out.set(target, [...(out.get(target) ?? []), `${source}:${p.code}`]);
    }
  }
  return out;
}

// The per-type part is large and the same for every request of a scope: built once.
const cache = new Map<string, { type: string }[]>();

/** `operations`: canonical by `[type]/$name` (the extensions' operations), next to $validate. */
function resourcesOf(scope: 'tenant' | 'shared', sharedTypes: ReadonlySet<string>, operations: ReadonlyMap<string, string>): { type: string }[] {
  const key = `${scope}|${[...sharedTypes].join(',')}|${[...operations.keys()].join(',')}`;
  const cached = cache.get(key);
  if (cached) return cached;
  const stored = resourceTypes().filter((t) => scope === 'tenant' || sharedTypes.has(t));
  const revInclude = revIncludes(stored);
  // $validate checks R4 structure: a type only an extension knows gets none (it would answer "Unknown resource type").
  const operationsOf = (type: string): Operation[] => [
    ...(resourceTypes().includes(type) ? [{ name: 'validate', definition: VALIDATE_DEFINITION }] : []),
    ...[...operations].filter(([k]) => k.startsWith(`${type}/$`)).map(([k, definition]) => ({ name: k.slice(type.length + 2), definition })),
  ];
  const entry = (type: string, tableSet: string) => ({
    extension: [{ url: TABLE_SET_EXTENSION, valueCode: tableSet }],
    type,
    interaction: [...INSTANCE, ...TYPE].map((code) => ({ code })),
    versioning: 'versioned-update',
    readHistory: true,
    updateCreate: true,
    conditionalCreate: true,
    conditionalRead: 'full-support',
    conditionalUpdate: true,
    conditionalDelete: 'multiple',
    searchInclude: [...getSearchParams(type).values()].filter((p) => p.type === 'reference').map((p) => `${type}:${p.code}`),
    searchRevInclude: revInclude.get(type) ?? [],
    searchParam: searchParams(type),
    operation: operationsOf(type),
  });
  const resources = stored.filter((t) => !NOT_ADVERTISED.has(t))
    .map((type) => entry(type, scope === 'shared' ? 'shared' : sharedTypes.has(type) ? 'tenant+shared' : 'tenant'));
  // Types only an extension knows (ViewDefinition): always shareable, searched without parameters.
  const extraTypes = new Set([...operations.keys()].filter((k) => k.includes('/')).map((k) => k.slice(0, k.indexOf('/'))).filter((t) => !resourceTypes().includes(t)));
  for (const type of extraTypes) resources.push(entry(type, scope === 'shared' ? 'shared' : 'tenant+shared'));
  cache.set(key, resources);
  return resources;
}

/** R4 rest.security: SMART on FHIR when tokens are verified (oauth-uris), and CORS. */
function security(options: { smart?: { authorize?: string; token?: string }; cors: boolean }) {
  if (options.smart === undefined && !options.cors) return undefined;
  const out: Record<string, unknown> = { cors: options.cors };
  if (options.smart !== undefined) {
    const uris = [['authorize', options.smart.authorize], ['token', options.smart.token]].filter(([, v]) => v !== undefined)
      .map(([url, valueUri]) => ({ url, valueUri }));
    if (uris.length) out.extension = [{ url: OAUTH_URIS, extension: uris }];
    out.service = [SMART_SERVICE];
    out.description = 'Bearer tokens (JWT) verified by this server; SMART v1 and v2 scopes limit types and interactions. Discovery: [base]/.well-known/smart-configuration';
  }
  return out;
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
  /** Canonical of each extension operation, by `[type]/$name`. */
  operations?: ReadonlyMap<string, string>;
  /** Set when tokens are verified: the SMART authorization server's endpoints. */
  smart?: { authorize?: string; token?: string };
  cors?: boolean;
  /** The scope's search parameters: its stored SearchParameters are listed too. */
  params?: ParamSet;
}) {
  const all = withCustomParams(resourcesOf(options.scope, options.sharedTypes, options.operations ?? new Map()), options.params);
  const enabled = options.enabledTypes;
  const resources = enabled ? all.filter((r) => enabled.has(r.type)) : all;
  const secured = security({ smart: options.smart, cors: options.cors ?? false });
  // System-level operations ([base]/$export) are keyed `$name`, without a type.
  const systemOperations: Operation[] = [...(options.operations ?? new Map())]
    .filter(([k]) => k.startsWith('$')).map(([k, definition]) => ({ name: k.slice(1), definition }));
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: new Date().toISOString(),
    kind: 'instance',
    software: options.software,
    implementation: { description: options.scope === 'shared' ? 'Shared resources' : 'Tenant FHIR endpoint', url: options.base },
    fhirVersion: '4.0.1',
    format: ['application/fhir+json', 'json'],
    patchFormat: ['application/json-patch+json', 'application/fhir+json'],
    rest: [
      {
        mode: 'server',
        documentation: options.scope === 'shared'
          ? 'The shared table set: every tenant reads it; writes need the privileged credential.'
          : 'One tenant: its own resources, plus read access to the shared resources of shareable types.',
        ...(secured ? { security: secured } : {}),
        interaction: SYSTEM.map((code) => ({ code })),
        ...(systemOperations.length ? { operation: systemOperations } : {}),
        // R4 §3.1.1.5: the text search parameters are not supported.
        extension: [{ url: 'https://fhir-rls.dev/StructureDefinition/unsupported-search', valueString: '_text, _content, _query, _filter, _list, near' }],
        resource: resources,
      },
    ],
  };
}
