-- Roles, ownership, row-level security and grants. drizzle-kit cannot express
-- FORCE RLS, roles or grants, so they live here, in the same ordered folder.

-- Group roles, NOLOGIN: logins are created by the operator and granted one of these.
-- Created only when missing, so a DBA may pre-create them (then CREATEROLE is not needed).
DO $$
DECLARE r text;
BEGIN
  FOREACH r IN ARRAY ARRAY['fhir_owner', 'fhir_app', 'fhir_analyst', 'fhir_admin'] LOOP
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN
      EXECUTE format('CREATE ROLE %I NOLOGIN', r);
    END IF;
  END LOOP;
END $$;
--> statement-breakpoint
DO $$
BEGIN
  IF (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
    GRANT USAGE, CREATE ON SCHEMA public TO fhir_owner;
  END IF;
END $$;
--> statement-breakpoint
GRANT USAGE ON SCHEMA public TO fhir_app, fhir_analyst, fhir_admin;
--> statement-breakpoint
CREATE SCHEMA IF NOT EXISTS fhir_private;
--> statement-breakpoint
REVOKE ALL ON SCHEMA fhir_private FROM PUBLIC;
--> statement-breakpoint
-- Brings every table in schema public to the security model, idempotently. Called by every
-- migration that adds a table and by the migrator after each run, so that no table can exist
-- without its policies (a test also checks pg_class, so a forgotten call fails the build).
--   * a table with a tenant_id column is a tenant table: ENABLE + FORCE RLS, the isolation policy
--     (rows of the transaction's tenant only; an unset tenant matches nothing), read-all for
--     fhir_analyst, and a maintenance policy for the owner that only the fhir_admin functions
--     switch on (function-level SET fhir.maintenance = 'on');
--   * a table named shared_* belongs to the shared set: no RLS, fhir_app reads, fhir_admin writes;
--   * the tenant registry: fhir_app sees only the row of its own tenant.
CREATE OR REPLACE PROCEDURE fhir_private.secure_tables()
LANGUAGE plpgsql AS $$
DECLARE
  t record;
  isolation text := 'tenant_id = current_setting(''app.tenant_id'', true)';
  maintenance text := 'current_setting(''fhir.maintenance'', true) = ''on''';
BEGIN
  FOR t IN
    SELECT c.relname, c.oid,
           EXISTS (SELECT 1 FROM pg_attribute a
                   WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped) AS has_tenant
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
  LOOP
    IF pg_get_userbyid((SELECT relowner FROM pg_class WHERE oid = t.oid)) <> 'fhir_owner' THEN
      EXECUTE format('ALTER TABLE public.%I OWNER TO fhir_owner', t.relname);
    END IF;
    EXECUTE format('REVOKE ALL ON public.%I FROM PUBLIC', t.relname);
    IF t.relname = 'tenant' THEN
      EXECUTE 'ALTER TABLE public.tenant ENABLE ROW LEVEL SECURITY';
      EXECUTE 'ALTER TABLE public.tenant FORCE ROW LEVEL SECURITY';
      EXECUTE 'DROP POLICY IF EXISTS tenant_self ON public.tenant';
      EXECUTE 'CREATE POLICY tenant_self ON public.tenant FOR SELECT TO fhir_app USING (id = current_setting(''app.tenant_id'', true))';
      EXECUTE 'DROP POLICY IF EXISTS analyst_read ON public.tenant';
      EXECUTE 'CREATE POLICY analyst_read ON public.tenant FOR SELECT TO fhir_analyst USING (true)';
      EXECUTE 'DROP POLICY IF EXISTS owner_maintenance ON public.tenant';
      EXECUTE format('CREATE POLICY owner_maintenance ON public.tenant TO fhir_owner USING (%s) WITH CHECK (%s)', maintenance, maintenance);
      EXECUTE 'GRANT SELECT ON public.tenant TO fhir_app, fhir_analyst';
    ELSIF t.has_tenant THEN
      EXECUTE format('ALTER TABLE public.%I ENABLE ROW LEVEL SECURITY', t.relname);
      EXECUTE format('ALTER TABLE public.%I FORCE ROW LEVEL SECURITY', t.relname);
      EXECUTE format('DROP POLICY IF EXISTS tenant_isolation ON public.%I', t.relname);
      EXECUTE format('CREATE POLICY tenant_isolation ON public.%I USING (%s) WITH CHECK (%s)', t.relname, isolation, isolation);
      EXECUTE format('DROP POLICY IF EXISTS analyst_read ON public.%I', t.relname);
      EXECUTE format('CREATE POLICY analyst_read ON public.%I FOR SELECT TO fhir_analyst USING (true)', t.relname);
      EXECUTE format('DROP POLICY IF EXISTS owner_maintenance ON public.%I', t.relname);
      EXECUTE format('CREATE POLICY owner_maintenance ON public.%I TO fhir_owner USING (%s) WITH CHECK (%s)', t.relname, maintenance, maintenance);
      EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON public.%I TO fhir_app', t.relname);
      EXECUTE format('GRANT SELECT ON public.%I TO fhir_analyst', t.relname);
    ELSIF t.relname LIKE 'shared\_%' THEN
      EXECUTE format('GRANT SELECT ON public.%I TO fhir_app, fhir_analyst', t.relname);
      EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON public.%I TO fhir_admin', t.relname);
    END IF;
  END LOOP;
END $$;
--> statement-breakpoint
CALL fhir_private.secure_tables();
