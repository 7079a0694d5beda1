-- Issue 15: the same one-statement read, for less database CPU
-- (measured in one backend, CPU from /proc, 3,000 transactions per round, rounds alternating;
-- bench/README.md "Where the database CPU of a read goes"):
--   * read_resource ran one statement over four tables (current, history, shared, shared history)
--     with the unused branches switched off by one-time filters. Every execution still opened and
--     locked all of them and their indexes, and evaluated the tenant's ticket for the tenant row
--     through a LATERAL subquery. The common read (current version, not a shareable type) is now
--     its own statement over tenant and resource only; vread and shareable types keep the union.
-- (Folding set_context into open_context, one SECURITY DEFINER frame less, measured 0.99× and was
-- left out.) The context, the policies, tenant() and what SQL without the key can do are unchanged.
CREATE OR REPLACE FUNCTION fhir_private.read_resource(
  p_key text, p_tenant text, p_type text, p_id text, p_version integer, p_shared boolean, p_timeout text)
RETURNS TABLE (tenant_status text, tenant_config jsonb, table_set text, version_id integer, deleted boolean, last_updated text, body text)
LANGUAGE plpgsql
AS $$
BEGIN
  PERFORM set_config('search_path', 'public, pg_catalog, pg_temp', true), set_config('role', 'fhir_app', true),
          fhir_private.open_context(p_key, p_tenant, 'tenant'), set_config('statement_timeout', p_timeout, true);
  IF p_version IS NULL AND NOT p_shared THEN
    RETURN QUERY
    SELECT t.status, t.config, CASE WHEN r.id IS NOT NULL THEN 'tenant'::pg_catalog.text END, r.version_id, r.deleted,
           to_char(r.last_updated AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), r.resource::pg_catalog.text
      FROM public.tenant t
      LEFT JOIN public.resource r ON r.tenant_id = p_tenant AND r.resource_type = p_type AND r.id = p_id
     WHERE t.id = p_tenant;
    RETURN;
  END IF;
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
