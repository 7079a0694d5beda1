-- Per-tenant SearchParameters (issue 14 item 7). A process caches each tenant's set of custom
-- parameters; these version numbers tell it, at no extra round trip, when the set changed: the
-- tenant's own number is read with the tenant's row (enter_tenant, the first statement of every
-- transaction), the shared set's number next to it. A SearchParameter write bumps its number in
-- its own transaction, so the next transaction of any process sees the change.
ALTER TABLE public.tenant ADD COLUMN IF NOT EXISTS search_params_version bigint NOT NULL DEFAULT 0;
--> statement-breakpoint
-- One row. shared_ prefix: readable by every context, written only in a shared-write context
-- (fhir_private.secure_tables gives it the policies of the shared set).
CREATE TABLE IF NOT EXISTS public.shared_search_params (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  version bigint NOT NULL DEFAULT 0
);
--> statement-breakpoint
INSERT INTO public.shared_search_params (singleton, version) VALUES (true, 0) ON CONFLICT DO NOTHING;
--> statement-breakpoint
CALL fhir_private.secure_tables();
--> statement-breakpoint
-- The tenant's row is read-only to fhir_app: its number is bumped here, for the tenant of the
-- verified context only (fhir_private.tenant()), never for a tenant the caller names.
CREATE OR REPLACE FUNCTION fhir_private.bump_search_params()
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp SET fhir.maintenance = 'on'
AS $$
DECLARE
  t text := fhir_private.tenant();
  v bigint;
BEGIN
  IF t IS NOT NULL THEN
    UPDATE public.tenant SET search_params_version = search_params_version + 1 WHERE id = t RETURNING search_params_version INTO v;
    RETURN v;
  END IF;
  IF fhir_private.context_mode() = 'shared-write' THEN
    UPDATE public.shared_search_params SET version = version + 1 RETURNING version INTO v;
    RETURN v;
  END IF;
  RAISE EXCEPTION 'no tenant or shared-write context' USING ERRCODE = '42501';
END $$;
--> statement-breakpoint
ALTER FUNCTION fhir_private.bump_search_params() OWNER TO fhir_owner;
--> statement-breakpoint
REVOKE ALL ON FUNCTION fhir_private.bump_search_params() FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION fhir_private.bump_search_params() TO fhir_app;
--> statement-breakpoint
-- The tenant entry returns both numbers with the tenant's row (new columns: drop and recreate).
DROP FUNCTION IF EXISTS fhir_private.enter_tenant(text, text, text, text);
--> statement-breakpoint
CREATE FUNCTION fhir_private.enter_tenant(p_key text, p_tenant text, p_timeout text, p_plan_cache_mode text)
RETURNS TABLE (id text, name text, status text, config jsonb, search_params_version bigint, shared_search_params_version bigint)
LANGUAGE plpgsql
AS $$
BEGIN
  PERFORM set_config('search_path', 'public, pg_catalog, pg_temp', true), set_config('role', 'fhir_app', true),
          fhir_private.open_context(p_key, p_tenant, 'tenant'),
          set_config('statement_timeout', p_timeout, true), set_config('plan_cache_mode', p_plan_cache_mode, true);
  RETURN QUERY SELECT t.id, t.name, t.status, t.config, t.search_params_version,
                      coalesce((SELECT s.version FROM public.shared_search_params s), 0)
                 FROM public.tenant t WHERE t.id = p_tenant;
END $$;
--> statement-breakpoint
ALTER FUNCTION fhir_private.enter_tenant(text, text, text, text) OWNER TO fhir_owner;
--> statement-breakpoint
REVOKE ALL ON FUNCTION fhir_private.enter_tenant(text, text, text, text) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION fhir_private.enter_tenant(text, text, text, text) TO fhir_app, fhir_admin, fhir_analyst;
