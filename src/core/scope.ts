/**
 * Which table set a FHIR request works on: one tenant's (plus reads of the shared set), or the
 * shared set itself. Resolved once per request from its base (http/fhir-base.ts) and passed
 * unchanged to the access gate, the repository and the table sets: the one encoding of
 * "tenant or shared".
 */
export type Scope = { kind: 'tenant'; tenantId: string } | { kind: 'shared' };

export const SHARED_SCOPE: Scope = { kind: 'shared' };

/** The tenant of a scope, or null for the shared set (database parameters, audit rows). */
export function tenantOf(scope: Scope): string | null {
  return scope.kind === 'tenant' ? scope.tenantId : null;
}
