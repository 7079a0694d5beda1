-- Tenant lifecycle as SQL functions (role fhir_admin). The admin HTTP API calls
-- these same functions, so psql and HTTP can never disagree. They are SECURITY DEFINER, owned
-- by fhir_owner, which FORCE RLS still restricts: each function switches on the owner's
-- maintenance policy for its own duration only (function-level SET, restored on exit).
CREATE SCHEMA IF NOT EXISTS fhir_admin AUTHORIZATION fhir_owner;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION fhir_admin.create_tenant(p_id text, p_name text, p_config jsonb DEFAULT '{}')
RETURNS SETOF public.tenant
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp SET fhir.maintenance = 'on'
AS $$
  INSERT INTO public.tenant (id, name, config) VALUES (p_id, p_name, coalesce(p_config, '{}'))
  RETURNING *;
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION fhir_admin.list_tenants()
RETURNS SETOF public.tenant
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp SET fhir.maintenance = 'on'
AS $$ SELECT * FROM public.tenant ORDER BY id $$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION fhir_admin.get_tenant(p_id text)
RETURNS SETOF public.tenant
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp SET fhir.maintenance = 'on'
AS $$ SELECT * FROM public.tenant WHERE id = p_id $$;
--> statement-breakpoint
-- Null arguments leave the field as it is.
CREATE OR REPLACE FUNCTION fhir_admin.update_tenant(
  p_id text, p_name text DEFAULT NULL, p_status text DEFAULT NULL, p_config jsonb DEFAULT NULL)
RETURNS SETOF public.tenant
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp SET fhir.maintenance = 'on'
AS $$
  UPDATE public.tenant
     SET name = coalesce(p_name, name), status = coalesce(p_status, status), config = coalesce(p_config, config)
   WHERE id = p_id
  RETURNING *;
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION fhir_admin.suspend_tenant(p_id text)
RETURNS SETOF public.tenant
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp
AS $$ SELECT * FROM fhir_admin.update_tenant(p_id, p_status => 'suspended') $$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION fhir_admin.resume_tenant(p_id text)
RETURNS SETOF public.tenant
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp
AS $$ SELECT * FROM fhir_admin.update_tenant(p_id, p_status => 'active') $$;
--> statement-breakpoint
-- Deletes every row of the tenant in every tenant table (any public table with a tenant_id
-- column, so tables added later are purged too), then the registry row; one row per table in
-- the result. Runs in the caller's transaction: all or nothing.
CREATE OR REPLACE FUNCTION fhir_admin.purge_tenant(p_id text)
RETURNS TABLE (table_name text, rows_deleted bigint)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp SET fhir.maintenance = 'on'
AS $$
DECLARE
  t text;
  n bigint;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM public.tenant WHERE id = p_id) THEN
    RETURN;
  END IF;
  FOR t IN
    SELECT c.relname FROM pg_class c
      JOIN pg_namespace ns ON ns.oid = c.relnamespace
      JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped
     WHERE ns.nspname = 'public' AND c.relkind IN ('r', 'p')
     ORDER BY c.relname
  LOOP
    EXECUTE format('DELETE FROM public.%I WHERE tenant_id = $1', t) USING p_id;
    GET DIAGNOSTICS n = ROW_COUNT;
    table_name := t; rows_deleted := n;
    RETURN NEXT;
  END LOOP;
  DELETE FROM public.tenant WHERE id = p_id;
  table_name := 'tenant'; rows_deleted := 1;
  RETURN NEXT;
END $$;
--> statement-breakpoint
-- Whether any tenant owns a resource of this type and id: the shared set must not take an id
-- that a tenant uses (ids are never ambiguous). Answers only yes or no. One
-- primary-key probe per tenant, so it stays cheap however many resources the tenants hold.
CREATE OR REPLACE FUNCTION fhir_admin.resource_id_in_any_tenant(p_type text, p_id text)
RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp SET fhir.maintenance = 'on'
AS $$
  SELECT EXISTS (
    SELECT 1 FROM public.tenant t
     WHERE EXISTS (SELECT 1 FROM public.resource r
                    WHERE r.tenant_id = t.id AND r.resource_type = p_type AND r.id = p_id));
$$;
--> statement-breakpoint
DO $$
DECLARE f regprocedure;
BEGIN
  FOR f IN SELECT p.oid::regprocedure FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
            WHERE n.nspname = 'fhir_admin' LOOP
    EXECUTE format('ALTER FUNCTION %s OWNER TO fhir_owner', f);
    EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', f);
    EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO fhir_admin', f);
  END LOOP;
END $$;
--> statement-breakpoint
GRANT USAGE ON SCHEMA fhir_admin TO fhir_admin;
