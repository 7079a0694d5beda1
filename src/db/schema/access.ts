import { sql } from 'drizzle-orm';
import { check, index, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

/**
 * Access policies (README: Access policies). Not tenant data — a policy may name '*' tenants — so
 * no tenant_id and no RLS: only the fhir_admin functions (sql/0009) read and write it.
 */
export const accessPolicy = pgTable(
  'access_policy',
  {
    id: text('id').primaryKey(),
    client: text('client').notNull(),
    tenant: text('tenant').notNull(),
    policy: jsonb('policy').notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    check('access_policy_id_format', sql`${t.id} ~ '^[A-Za-z0-9.-]{1,64}$'`),
    check('access_policy_tenant_format', sql`${t.tenant} = '*' or ${t.tenant} ~ '^[a-z0-9][a-z0-9-]{0,62}$'`),
    check('access_policy_rules', sql`jsonb_typeof(${t.policy} -> 'rules') = 'array'`),
  ],
);

/**
 * Append-only record of admin actions and denied requests. It outlives a purged tenant (it is the
 * record of the purge), so it names the tenant in `tenant`, not tenant_id: it is not a tenant
 * table. fhir_app may only insert; fhir_analyst cannot read it (private).
 */
export const auditLog = pgTable(
  'audit_log',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    at: timestamp('at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    tenant: text('tenant'),
    client: text('client'),
    action: text('action').notNull(),
    outcome: text('outcome').notNull(),
    detail: text('detail'),
  },
  (t) => [index('audit_log_tenant_at_idx').on(t.tenant, t.at), index('audit_log_at_idx').on(t.at)],
);
