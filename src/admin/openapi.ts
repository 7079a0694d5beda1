import type { JsonSchema } from './input.js';
import { operation, type Route } from './operation.js';

/** A table of admin operations and where app.ts mounts it. */
export interface Mounted {
  prefix: string;
  routes: readonly Route[];
}

const OUTCOME: JsonSchema = {
  type: 'object',
  description: 'a FHIR R4 OperationOutcome',
  properties: {
    resourceType: { const: 'OperationOutcome' },
    issue: {
      type: 'array',
      items: {
        type: 'object',
        properties: { severity: { type: 'string' }, code: { type: 'string' }, diagnostics: { type: 'string' }, expression: { type: 'array', items: { type: 'string' } } },
        required: ['severity', 'code'],
      },
    },
  },
  required: ['resourceType', 'issue'],
};

const error = (description: string) => ({ description, content: { 'application/fhir+json': { schema: { $ref: '#/components/schemas/OperationOutcome' } } } });

/** `/tenants/:id/$reindex` → `/tenants/{id}/$reindex` */
export const openApiPath = (honoPath: string) => honoPath.replace(/:([A-Za-z_]+)/g, '{$1}');

function describe(r: Route): Record<string, unknown> {
  const parameters = [
    ...Object.entries(r.params).map(([name, p]) => ({ name, in: 'path', required: true, schema: p.schema })),
    ...Object.entries(r.query).map(([name, p]) => ({ name, in: 'query', required: p.required, schema: p.schema })),
  ];
  const success = r.success.status === 204
    ? { description: r.success.description }
    : { description: r.success.description, content: { [r.success.mediaType ?? 'application/json']: { schema: r.success.schema ?? {} } } };
  const responses: Record<string, unknown> = {
    [String(r.success.status)]: success,
    401: error('no admin credential'),
    default: error('an error, as an OperationOutcome'),
  };
  if (r.body || parameters.length) responses[400] = error('input not valid (the issue names the field)');
  if (Object.keys(r.params).length) responses[404] = error('not found');
  return {
    operationId: `${r.method}${openApiPath(r.path).replace(/[{}$]/g, '').split('/').map((s) => s.charAt(0).toUpperCase() + s.slice(1)).join('')}`,
    summary: r.summary,
    tags: [r.tag],
    ...(parameters.length ? { parameters } : {}),
    ...(r.body ? { requestBody: { required: true, content: { 'application/json': { schema: r.body.schema } } } } : {}),
    responses,
    security: [{ admin: [] }],
  };
}

/** The OpenAPI 3.1 document of the mounted tables, built from their declarations. */
export function openApiDocument(tables: readonly Mounted[]): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const t of tables) {
    for (const r of t.routes) {
      const path = openApiPath(`${t.prefix}${r.path}`);
      paths[path] = { ...paths[path], [r.method]: describe(r) };
    }
  }
  return {
    openapi: '3.1.0',
    info: { title: 'FHIR server admin API', version: '1', description: 'Tenant lifecycle, access policies, audit log and analytics views. Errors are FHIR OperationOutcomes.' },
    paths,
    components: {
      schemas: { OperationOutcome: OUTCOME },
      securitySchemes: { admin: { type: 'http', scheme: 'bearer', description: 'ADMIN_TOKEN, or a JWT with the admin claim' } },
    },
  };
}

/** GET /admin/openapi.json: itself one of the operations it describes. */
export function openApiOperation(tables: readonly Mounted[]): Route {
  const self: Route = operation({
    method: 'get', path: '/openapi.json', tag: 'meta', summary: 'This OpenAPI 3.1 description of the admin API',
    success: { status: 200, description: 'the OpenAPI document', schema: { type: 'object' } },
    run: async (): Promise<Record<string, unknown>> => openApiDocument([...tables, { prefix: '/admin', routes: [self] }]),
  });
  return self;
}
