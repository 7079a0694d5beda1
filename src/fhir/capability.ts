import { resourceTypes } from './search/registry.js';

export const TABLE_SET_EXTENSION = 'https://fhir-rls.dev/StructureDefinition/table-set';

const INSTANCE = ['read', 'vread', 'update', 'delete', 'history-instance'];
const TYPE = ['create', 'search-type', 'history-type'];

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
}) {
  const types = resourceTypes().filter((t) => options.scope === 'tenant' || options.sharedTypes.has(t));
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
        interaction: [{ code: 'history-system' }],
        resource: types.map((type) => {
          const set = options.scope === 'shared' ? 'shared' : options.sharedTypes.has(type) ? 'tenant+shared' : 'tenant';
          return {
            extension: [{ url: TABLE_SET_EXTENSION, valueCode: set }],
            type,
            interaction: [...INSTANCE, ...TYPE].map((code) => ({ code })),
            versioning: 'versioned-update',
            readHistory: true,
            updateCreate: true,
            conditionalCreate: false,
            conditionalUpdate: false,
            conditionalDelete: 'not-supported',
            searchParam: [{ name: '_id', type: 'token', documentation: 'Logical id of the resource' }],
          };
        }),
      },
    ],
  };
}
