import { sql } from 'drizzle-orm';
import { check, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

/** The tenant registry. Written only through the fhir_admin SQL functions (sql/*_admin_functions.sql). */
export const tenant = pgTable(
  'tenant',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    status: text('status').notNull().default('active'),
    config: jsonb('config').notNull().default({}),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    check('tenant_id_format', sql`${t.id} ~ '^[a-z0-9][a-z0-9-]{0,62}$'`),
    check('tenant_status_values', sql`${t.status} in ('active', 'suspended')`),
  ],
);
