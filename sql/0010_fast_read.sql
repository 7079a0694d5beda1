-- The fast read path (issue 7): one statement that enters the tenant and reads, instead of
-- BEGIN; set role and tenant; check the tenant; read; COMMIT (five round trips). Run as a single
-- autocommit statement, its implicit transaction ends with it, so the transaction-local role and
-- tenant (set_config(..., true)) never outlive it: pooled connections and PgBouncer in
-- transaction mode stay as safe as with the explicit transaction. SECURITY INVOKER on purpose: it
-- switches the caller's role to fhir_app (a SECURITY DEFINER function may not), so RLS filters
-- the read exactly as in any request.
CREATE OR REPLACE FUNCTION fhir_private.read_resource(
  p_tenant text, p_type text, p_id text, p_version integer, p_shared boolean, p_timeout text)
RETURNS TABLE (tenant_status text, tenant_config jsonb, table_set text, version_id integer, deleted boolean, last_updated text, body text)
LANGUAGE plpgsql
AS $$
BEGIN
  PERFORM set_config('role', 'fhir_app', true), set_config('app.tenant_id', p_tenant, true), set_config('statement_timeout', p_timeout, true);
  RETURN QUERY
  SELECT t.status, t.config, v.table_set, v.version_id, v.deleted, v.last_updated, v.body
    FROM public.tenant t
    LEFT JOIN LATERAL (
      SELECT x.table_set, x.version_id, x.deleted, x.last_updated, x.body FROM (
        SELECT 1 AS rank, 'tenant'::text AS table_set, r.version_id, r.deleted,
               to_char(r.last_updated AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS last_updated, r.resource::text AS body
          FROM public.resource r
         WHERE p_version IS NULL AND r.tenant_id = p_tenant AND r.resource_type = p_type AND r.id = p_id
        UNION ALL
        SELECT 1, 'tenant', h.version_id, h.deleted, to_char(h.last_updated AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), h.resource::text
          FROM public.resource_history h
         WHERE p_version IS NOT NULL AND h.tenant_id = p_tenant AND h.resource_type = p_type AND h.id = p_id AND h.version_id = p_version
        UNION ALL
        SELECT 2, 'shared', s.version_id, s.deleted, to_char(s.last_updated AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), s.resource::text
          FROM public.shared_resource s
         WHERE p_shared AND p_version IS NULL AND s.resource_type = p_type AND s.id = p_id
        UNION ALL
        SELECT 2, 'shared', sh.version_id, sh.deleted, to_char(sh.last_updated AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), sh.resource::text
          FROM public.shared_resource_history sh
         WHERE p_shared AND p_version IS NOT NULL AND sh.resource_type = p_type AND sh.id = p_id AND sh.version_id = p_version
      ) x ORDER BY x.rank LIMIT 1
    ) v ON true
   WHERE t.id = p_tenant;
END $$;
--> statement-breakpoint
-- fhir_app now has USAGE on fhir_private: nothing in it may stay executable by PUBLIC.
DO $$
DECLARE f regprocedure;
BEGIN
  FOR f IN SELECT p.oid::regprocedure FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'fhir_private' LOOP
    EXECUTE format('REVOKE ALL ON ROUTINE %s FROM PUBLIC', f);
  END LOOP;
END $$;
--> statement-breakpoint
ALTER FUNCTION fhir_private.read_resource(text, text, text, integer, boolean, text) OWNER TO fhir_owner;
--> statement-breakpoint
GRANT USAGE ON SCHEMA fhir_private TO fhir_app;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION fhir_private.read_resource(text, text, text, integer, boolean, text) TO fhir_app;
