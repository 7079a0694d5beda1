/*
 * The identifier rules of the whole server, written once. The database checks the tenant id too
 * (sql: tenant_id_format), with the same pattern.
 */

/** A tenant id: lower-case letters, digits and dashes, at most 63, usable in URLs and as a Postgres value. */
export const TENANT_ID_PATTERN = '[a-z0-9][a-z0-9-]{0,62}';
export const TENANT_ID = new RegExp(`^${TENANT_ID_PATTERN}$`);

/**
 * The R4 id rule (§2.1.0.4: [A-Za-z0-9\-\.]{1,64}): ids in URLs, bodies, Bundle entries,
 * references, search values and access policies are all checked against this.
 */
// No backslash (the hyphen last instead of escaped): the pattern also goes into FHIRPath string
// literals (fhir/indexing/reference-type.ts), whose escaping would change it.
export const ID_PATTERN = '[A-Za-z0-9.-]{1,64}';

const ID = new RegExp(`^${ID_PATTERN}$`);

export function isId(value: unknown): boolean {
  return typeof value === 'string' && ID.test(value);
}
