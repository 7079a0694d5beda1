-- Issue 12, from an attacker's review of the keyed context (sql/0014), as the API login with
-- arbitrary SQL but no key:
--   1. Objects planted in pg_temp on a pooled connection ran inside later requests' keyed
--      transactions: pg_temp is searched first for tables and types when search_path does not name
--      it, so a temp view "resource" or a temp domain "jsonb" carrying a function saw whatever
--      tenant (or admin context) the server opened next. The API login gets no TEMP any more, and
--      every door sets search_path (public, pg_catalog, pg_temp: pg_temp last) for its transaction.
--   2. Planner statistics of tenant tables (most common values, histograms) are used under RLS,
--      because texteq and the text comparisons are LEAKPROOF: EXPLAIN's row estimates let SQL read
--      other tenants' values one character at a time. Tenant tables keep no column statistics;
--      their plans never needed them (sql/0015: every search form is index-driven on a database no
--      ANALYZE has seen). ANALYZE still records table sizes.
DO $$
BEGIN
  EXECUTE format('REVOKE TEMPORARY ON DATABASE %I FROM PUBLIC', current_database());
  EXECUTE format('GRANT TEMPORARY ON DATABASE %I TO fhir_owner, fhir_admin, fhir_analyst', current_database());
END $$;
--> statement-breakpoint
-- Called by the migrator after secure_tables(), so tables added later are covered too.
CREATE OR REPLACE PROCEDURE fhir_private.hide_statistics()
LANGUAGE plpgsql AS $$
DECLARE c record;
BEGIN
  FOR c IN
    SELECT cl.oid, cl.relname, a.attname
      FROM pg_class cl JOIN pg_namespace n ON n.oid = cl.relnamespace
      JOIN pg_attribute a ON a.attrelid = cl.oid AND a.attnum > 0 AND NOT a.attisdropped
     WHERE n.nspname = 'public' AND cl.relkind IN ('r', 'p')
       AND (cl.relname = 'tenant' OR EXISTS (SELECT 1 FROM pg_attribute t WHERE t.attrelid = cl.oid AND t.attname = 'tenant_id' AND NOT t.attisdropped))
       AND a.attstattarget IS DISTINCT FROM 0
  LOOP
    EXECUTE format('ALTER TABLE public.%I ALTER COLUMN %I SET STATISTICS 0', c.relname, c.attname);
  END LOOP;
  -- Statistics gathered before: only a superuser may delete them (else the next ANALYZE keeps
  -- them; a DBA can run this procedure again as a superuser).
  IF (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
    DELETE FROM pg_statistic s USING pg_class cl, pg_namespace n
     WHERE s.starelid = cl.oid AND n.oid = cl.relnamespace AND n.nspname = 'public'
       AND (cl.relname = 'tenant' OR EXISTS (SELECT 1 FROM pg_attribute t WHERE t.attrelid = cl.oid AND t.attname = 'tenant_id' AND NOT t.attisdropped));
  END IF;
END $$;
--> statement-breakpoint
REVOKE ALL ON PROCEDURE fhir_private.hide_statistics() FROM PUBLIC;
--> statement-breakpoint
CALL fhir_private.hide_statistics();
--> statement-breakpoint
CREATE OR REPLACE FUNCTION fhir_private.read_resource(
  p_key text, p_tenant text, p_type text, p_id text, p_version integer, p_shared boolean, p_timeout text)
RETURNS TABLE (tenant_status text, tenant_config jsonb, table_set text, version_id integer, deleted boolean, last_updated text, body text)
LANGUAGE plpgsql
AS $$
BEGIN
  PERFORM set_config('search_path', 'public, pg_catalog, pg_temp', true), set_config('role', 'fhir_app', true),
          fhir_private.open_context(p_key, p_tenant, 'tenant'), set_config('statement_timeout', p_timeout, true);
  RETURN QUERY
  SELECT t.status, t.config, v.table_set, v.version_id, v.deleted, v.last_updated, v.body
    FROM public.tenant t
    LEFT JOIN LATERAL (
      SELECT x.table_set, x.version_id, x.deleted, x.last_updated, x.body FROM (
        SELECT 1 AS rank, 'tenant'::pg_catalog.text AS table_set, r.version_id, r.deleted,
               to_char(r.last_updated AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS last_updated, r.resource::pg_catalog.text AS body
          FROM public.resource r
         WHERE p_version IS NULL AND r.tenant_id = p_tenant AND r.resource_type = p_type AND r.id = p_id
        UNION ALL
        SELECT 1, 'tenant', h.version_id, h.deleted, to_char(h.last_updated AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), h.resource::pg_catalog.text
          FROM public.resource_history h
         WHERE p_version IS NOT NULL AND h.tenant_id = p_tenant AND h.resource_type = p_type AND h.id = p_id AND h.version_id = p_version
        UNION ALL
        SELECT 2, 'shared', s.version_id, s.deleted, to_char(s.last_updated AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), s.resource::pg_catalog.text
          FROM public.shared_resource s
         WHERE p_shared AND p_version IS NULL AND s.resource_type = p_type AND s.id = p_id
        UNION ALL
        SELECT 2, 'shared', sh.version_id, sh.deleted, to_char(sh.last_updated AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), sh.resource::pg_catalog.text
          FROM public.shared_resource_history sh
         WHERE p_shared AND p_version IS NOT NULL AND sh.resource_type = p_type AND sh.id = p_id AND sh.version_id = p_version
      ) x ORDER BY x.rank LIMIT 1
    ) v ON true
   WHERE t.id = p_tenant;
END $$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION fhir_private.enter_tenant(p_key text, p_tenant text, p_timeout text, p_plan_cache_mode text)
RETURNS TABLE (id text, name text, status text, config jsonb)
LANGUAGE plpgsql
AS $$
BEGIN
  PERFORM set_config('search_path', 'public, pg_catalog, pg_temp', true), set_config('role', 'fhir_app', true),
          fhir_private.open_context(p_key, p_tenant, 'tenant'),
          set_config('statement_timeout', p_timeout, true), set_config('plan_cache_mode', p_plan_cache_mode, true);
  RETURN QUERY SELECT t.id, t.name, t.status, t.config FROM public.tenant t WHERE t.id = p_tenant;
END $$;
