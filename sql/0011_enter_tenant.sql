-- The first statement of every tenant transaction: role, tenant and statement_timeout
-- (transaction-local), then the tenant's registry row, read as fhir_app under RLS (it sees only
-- its own tenant's row). One round trip where there were two. SECURITY INVOKER: it switches the
-- caller's role, which a SECURITY DEFINER function may not.
CREATE OR REPLACE FUNCTION fhir_private.enter_tenant(p_tenant text, p_timeout text)
RETURNS TABLE (id text, name text, status text, config jsonb)
LANGUAGE plpgsql
AS $$
BEGIN
  PERFORM set_config('role', 'fhir_app', true), set_config('app.tenant_id', p_tenant, true), set_config('statement_timeout', p_timeout, true);
  RETURN QUERY SELECT t.id, t.name, t.status, t.config FROM public.tenant t WHERE t.id = p_tenant;
END $$;
--> statement-breakpoint
ALTER FUNCTION fhir_private.enter_tenant(text, text) OWNER TO fhir_owner;
--> statement-breakpoint
REVOKE ALL ON FUNCTION fhir_private.enter_tenant(text, text) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION fhir_private.enter_tenant(text, text) TO fhir_app;
