-- Access policies and the audit log through fhir_admin functions: the admin API calls these, and
-- operators can call the same from psql. SECURITY DEFINER, owned by fhir_owner.
CALL fhir_private.secure_tables();
--> statement-breakpoint
COMMENT ON TABLE audit_log IS 'fhir:private';
--> statement-breakpoint
-- Denied requests are recorded from the request's own role; the log is append-only for it.
GRANT INSERT ON audit_log TO fhir_app;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION fhir_admin.grant_access_policy(p_id text, p_client text, p_tenant text, p_policy jsonb)
RETURNS SETOF public.access_policy
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp
AS $$
  INSERT INTO public.access_policy (id, client, tenant, policy) VALUES (p_id, p_client, p_tenant, p_policy)
  ON CONFLICT (id) DO UPDATE SET client = excluded.client, tenant = excluded.tenant, policy = excluded.policy, updated_at = now()
  RETURNING *;
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION fhir_admin.revoke_access_policy(p_id text)
RETURNS boolean
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp
AS $$ WITH d AS (DELETE FROM public.access_policy WHERE id = p_id RETURNING 1) SELECT EXISTS (SELECT 1 FROM d) $$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION fhir_admin.list_access_policies()
RETURNS SETOF public.access_policy
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
AS $$ SELECT * FROM public.access_policy ORDER BY id $$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION fhir_admin.record_audit(p_tenant text, p_client text, p_action text, p_outcome text, p_detail text DEFAULT NULL)
RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp
AS $$ INSERT INTO public.audit_log (tenant, client, action, outcome, detail) VALUES (p_tenant, p_client, p_action, p_outcome, p_detail) $$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION fhir_admin.read_audit(p_tenant text DEFAULT NULL, p_limit integer DEFAULT 100)
RETURNS SETOF public.audit_log
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
AS $$
  SELECT * FROM public.audit_log WHERE p_tenant IS NULL OR tenant = p_tenant
  ORDER BY at DESC LIMIT least(greatest(p_limit, 1), 10000);
$$;
--> statement-breakpoint
-- Purge now also drops the tenant's own access policies and records itself in the audit log
-- (which survives: it is the record of the purge).
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
  DELETE FROM public.access_policy WHERE tenant = p_id;
  GET DIAGNOSTICS n = ROW_COUNT;
  table_name := 'access_policy'; rows_deleted := n;
  RETURN NEXT;
  DELETE FROM public.tenant WHERE id = p_id;
  table_name := 'tenant'; rows_deleted := 1;
  RETURN NEXT;
  INSERT INTO public.audit_log (tenant, client, action, outcome, detail)
  VALUES (p_id, current_user, 'purge', 'done', 'every row of the tenant deleted');
END $$;
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
