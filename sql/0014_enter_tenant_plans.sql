-- enter_tenant with the plan cache mode of the transaction (issue 7). Write transactions run
-- statements that are costly to plan and cheap to run (one write statement of ten CTEs planned
-- in 1 ms and ran in 0.5): they ask for generic plans, made once per connection and reused.
-- Generic plans are tenant-agnostic here as well, since tenant_id carries no statistics (0013).
-- Reads keep custom plans, which know the searched values. The two-argument form stays for
-- servers of the previous release during a rolling upgrade.
CREATE OR REPLACE FUNCTION fhir_private.enter_tenant(p_tenant text, p_timeout text, p_plan_cache_mode text)
RETURNS TABLE (id text, name text, status text, config jsonb)
LANGUAGE plpgsql
AS $$
BEGIN
  PERFORM set_config('role', 'fhir_app', true), set_config('app.tenant_id', p_tenant, true), set_config('statement_timeout', p_timeout, true),
          set_config('plan_cache_mode', p_plan_cache_mode, true);
  RETURN QUERY SELECT t.id, t.name, t.status, t.config FROM public.tenant t WHERE t.id = p_tenant;
END $$;
--> statement-breakpoint
ALTER FUNCTION fhir_private.enter_tenant(text, text, text) OWNER TO fhir_owner;
--> statement-breakpoint
REVOKE ALL ON FUNCTION fhir_private.enter_tenant(text, text, text) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION fhir_private.enter_tenant(text, text, text) TO fhir_app;
