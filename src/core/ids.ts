/*
 * The identifier rules of the whole server, written once. The database checks the tenant id too
 * (sql: tenant_id_format), with the same pattern.
 */

/** A tenant id: lower-case letters, digits and dashes, at most 63, usable in URLs and as a Postgres value. */
export const TENANT_ID_PATTERN = '[a-z0-9][a-z0-9-]{0,62}';
export const TENANT_ID = new RegExp(`^${TENANT_ID_PATTERN}$`);

/** R4 §2.1.0.4 resource id: [A-Za-z0-9\-\.]{1,64}. */
export const RESOURCE_ID_PATTERN = '[A-Za-z0-9\\-.]{1,64}';
export const RESOURCE_ID = new RegExp(`^${RESOURCE_ID_PATTERN}$`);
