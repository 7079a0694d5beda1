-- Issue 12 (c): refused requests (401/403) in the audit log without letting a caller forge or
-- flood it. Before, the server inserted one row per refusal naming whatever tenant the URL or
-- X-Tenant-ID claimed: anyone could fill the log and write into real tenants' trails.
-- fhir_private.record_refusal (SECURITY DEFINER, owned by fhir_owner, executable by fhir_app
-- only) is now the one way a refusal is recorded:
--   * the row names the tenant only if it exists (checked here, as the owner: the caller has no
--     tenant context to see the tenant table with); a claimed tenant that does not exist is not
--     written anywhere, and the tenant segment of the path becomes /tenants/{tenant};
--   * refusals are aggregated: at most one row per (tenant, client, outcome, kind) and minute,
--     kind being the method and the base (/fhir, /tenants/{tenant}/fhir, /shared/fhir, /admin,
--     other); later refusals of the minute add to the count in that row's detail. The window
--     state lives in fhir_private.refusal_window, one row per key, pruned after ten minutes.
-- The function runs as fhir_owner, which reaches its state table only with USAGE on the schema
-- (sql/0001 made the schema as whoever migrates; fhir_app got USAGE in 0010).
GRANT USAGE ON SCHEMA fhir_private TO fhir_owner;
--> statement-breakpoint
CREATE TABLE IF NOT EXISTS fhir_private.refusal_window (
  key text PRIMARY KEY,
  window_start timestamptz NOT NULL,
  audit_id uuid NOT NULL,
  n integer NOT NULL,
  detail text
);
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS refusal_window_start_idx ON fhir_private.refusal_window (window_start);
--> statement-breakpoint
ALTER TABLE fhir_private.refusal_window OWNER TO fhir_owner;
--> statement-breakpoint
REVOKE ALL ON fhir_private.refusal_window FROM PUBLIC;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION fhir_private.record_refusal(
  p_tenant text, p_client text, p_method text, p_path text, p_outcome text, p_detail text)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp SET fhir.maintenance = 'on'
AS $$
DECLARE
  v_known boolean := coalesce(p_tenant ~ '^[a-z0-9][a-z0-9-]{0,62}$' AND EXISTS (SELECT 1 FROM public.tenant t WHERE t.id = p_tenant), false);
  v_tenant text := CASE WHEN v_known THEN p_tenant END;
  v_client text := left(p_client, 200);
  v_outcome text := left(coalesce(p_outcome, 'denied'), 40);
  v_method text := left(upper(coalesce(p_method, '')), 16);
  v_path text := left(coalesce(p_path, ''), 300);
  v_kind text;
  v_detail text := left(p_detail, 300);
  v_window timestamptz := date_trunc('minute', now());
  v_n integer;
  v_id uuid;
BEGIN
  v_kind := v_method || ' ' || CASE
    WHEN v_path ~ '^/tenants/[^/]*/fhir(/|$)' THEN '/tenants/{tenant}/fhir'
    WHEN v_path ~ '^/shared/fhir(/|$)' THEN '/shared/fhir'
    WHEN v_path ~ '^/fhir(/|$)' THEN '/fhir'
    WHEN v_path ~ '^/admin(/|$)' THEN '/admin'
    ELSE 'other' END;
  IF NOT v_known THEN
    v_path := regexp_replace(v_path, '^/tenants/[^/]*', '/tenants/{tenant}');
    IF p_tenant IS NOT NULL THEN v_detail := v_detail || ' (the tenant named does not exist)'; END IF;
  END IF;
  INSERT INTO fhir_private.refusal_window AS w (key, window_start, audit_id, n, detail)
  VALUES (concat_ws(chr(31), coalesce(v_tenant, ''), coalesce(v_client, ''), v_outcome, v_kind), v_window, gen_random_uuid(), 1, v_detail)
  ON CONFLICT (key) DO UPDATE SET
    n = CASE WHEN w.window_start = excluded.window_start THEN w.n + 1 ELSE 1 END,
    audit_id = CASE WHEN w.window_start = excluded.window_start THEN w.audit_id ELSE excluded.audit_id END,
    detail = CASE WHEN w.window_start = excluded.window_start THEN w.detail ELSE excluded.detail END,
    window_start = excluded.window_start
  RETURNING w.n, w.audit_id, w.detail INTO v_n, v_id, v_detail;
  IF v_n = 1 THEN
    INSERT INTO public.audit_log (id, tenant, client, action, outcome, detail)
    VALUES (v_id, v_tenant, v_client, v_method || ' ' || v_path, v_outcome, v_detail);
    DELETE FROM fhir_private.refusal_window WHERE window_start < v_window - interval '10 minutes';
  ELSE
    UPDATE public.audit_log
       SET detail = v_detail || format(' [%s refusals of %s in the minute from %s]', v_n, v_kind, to_char(v_window AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI"Z"'))
     WHERE id = v_id;
  END IF;
END $$;
--> statement-breakpoint
ALTER FUNCTION fhir_private.record_refusal(text, text, text, text, text, text) OWNER TO fhir_owner;
--> statement-breakpoint
REVOKE ALL ON FUNCTION fhir_private.record_refusal(text, text, text, text, text, text) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION fhir_private.record_refusal(text, text, text, text, text, text) TO fhir_app;
--> statement-breakpoint
-- The function is the only way in: SQL run as fhir_app can no longer write rows of its choosing.
REVOKE INSERT ON audit_log FROM fhir_app;
