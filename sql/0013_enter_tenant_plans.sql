-- enter_tenant with the plan cache mode of the transaction (issue 7). The server asks for
-- generic plans in every tenant transaction: made once per prepared statement and connection
-- (a write statement of ten CTEs took 1 ms to plan and 0.5 ms to run, planned on every request),
-- and the same whichever tenant asks. Custom plans estimated a tenant by its value: a tenant the
-- last ANALYZE had not seen (every new tenant, while it grows) came out at one row, and the
-- planner filtered all its rows on every write (test/fhir/write-plans.test.ts); a small tenant's
-- plans could flip as neighbours grew (the noisy-neighbour benchmark). The two-argument form
-- stays for servers of the previous release during a rolling upgrade.
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
