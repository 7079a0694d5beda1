/*
 * SMART on FHIR scopes, v2 (`system/Patient.rs`, `user/*.cruds`) and v1 (`patient/*.read`,
 * `user/Observation.write`, `*.*`). Each grants permissions on resource types; an interaction is
 * allowed when some scope grants its letter (SMART App Launch 2.0 §Scopes).
 */
export type Permission = 'c' | 'r' | 'u' | 'd' | 's';

export type Interaction = 'create' | 'read' | 'vread' | 'update' | 'patch' | 'delete' | 'history' | 'history-instance' | 'search';

export const PERMISSION_OF: Record<Interaction, Permission> = {
  create: 'c', read: 'r', vread: 'r', 'history-instance': 'r', update: 'u', patch: 'u', delete: 'd', search: 's', history: 's',
};

export interface ScopeGrant {
  /** A resource type, or '*'. */
  type: string;
  permissions: ReadonlySet<Permission>;
}

const V1: Record<string, Permission[]> = { read: ['r', 's'], write: ['c', 'u', 'd'], '*': ['c', 'r', 'u', 'd', 's'] };
const SCOPE = /^(?:(?:patient|user|system)\/)?([A-Za-z]+|\*)\.([a-z*]+)(?:\?.*)?$/;

/** The grants of a `scope` claim; tokens that are not resource scopes (openid, launch, ...) grant nothing. */
export function parseScopes(scope: string): ScopeGrant[] {
  const grants: ScopeGrant[] = [];
  for (const token of scope.split(/\s+/).filter(Boolean)) {
    const m = SCOPE.exec(token);
    if (!m) continue;
    const [, type = '', access = ''] = m;
    const v1 = V1[access];
    if (v1) {
      grants.push({ type, permissions: new Set(v1) });
    } else if (/^c?r?u?d?s?$/.test(access) && access !== '') {
      grants.push({ type, permissions: new Set(access.split('') as Permission[]) });
    }
  }
  return grants;
}

export function scopesAllow(grants: readonly ScopeGrant[], interaction: Interaction, type: string): boolean {
  const p = PERMISSION_OF[interaction];
  return grants.some((g) => (g.type === '*' || g.type === type) && g.permissions.has(p));
}
