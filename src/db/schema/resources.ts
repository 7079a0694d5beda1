import { sql } from 'drizzle-orm';
import { boolean, check, index, integer, jsonb, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

/*
 * Two table sets of the same shape. Tenant tables lead every key and index with tenant_id
 * (two tenants may own the same Type/id; one tenant's queries never scan
 * another's rows). RLS, FORCE and grants are in the custom migrations, which drizzle-kit
 * cannot express.
 *
 * `resource` holds the current version of each resource (deleted = true keeps the tombstone so
 * that read answers 410 and the next version number is known); `resource_history` holds every
 * version, deletes included. `resource` is null for a deleted version.
 */

// A deleted version carries no body; every other version does.
const bodyCheck = (table: string) =>
  check(`${table}_body`, sql`(deleted and resource is null) or (not deleted and resource is not null)`);

const versionColumns = {
  resourceType: text('resource_type').notNull(),
  id: text('id').notNull(),
  versionId: integer('version_id').notNull(),
  lastUpdated: timestamp('last_updated', { withTimezone: true, precision: 3 }).notNull(),
  deleted: boolean('deleted').notNull().default(false),
  resource: jsonb('resource'),
};

export const resource = pgTable(
  'resource',
  { tenantId: text('tenant_id').notNull(), ...versionColumns },
  (t) => [
    bodyCheck('resource'),
    primaryKey({ columns: [t.tenantId, t.resourceType, t.id] }),
    index('resource_type_updated_idx').on(t.tenantId, t.resourceType, t.lastUpdated, t.id),
  ],
);

export const resourceHistory = pgTable(
  'resource_history',
  { tenantId: text('tenant_id').notNull(), ...versionColumns },
  (t) => [
    bodyCheck('resource_history'),
    primaryKey({ columns: [t.tenantId, t.resourceType, t.id, t.versionId] }),
    index('resource_history_updated_idx').on(t.tenantId, t.lastUpdated),
    index('resource_history_type_updated_idx').on(t.tenantId, t.resourceType, t.lastUpdated),
  ],
);

export const sharedResource = pgTable(
  'shared_resource',
  versionColumns,
  (t) => [
    bodyCheck('shared_resource'),
    primaryKey({ columns: [t.resourceType, t.id] }),
    index('shared_resource_type_updated_idx').on(t.resourceType, t.lastUpdated, t.id),
  ],
);

export const sharedResourceHistory = pgTable(
  'shared_resource_history',
  versionColumns,
  (t) => [
    bodyCheck('shared_resource_history'),
    primaryKey({ columns: [t.resourceType, t.id, t.versionId] }),
    index('shared_resource_history_updated_idx').on(t.lastUpdated),
    index('shared_resource_history_type_updated_idx').on(t.resourceType, t.lastUpdated),
  ],
);

