-- No per-column statistics on tenant_id of the tenant tables (issue 7). The planner estimated a
-- tenant it had not sampled at the last ANALYZE (every new tenant while it grows: autovacuum
-- only analyzes again after 10% of a large table changes) at about one row, and on that
-- estimate took any tenant-leading index, the RLS predicate's included, and filtered the whole
-- tenant: every write of a growing tenant read all its rows (the key lookup, the deletes of the
-- index rows, the reference check, the includes). Without the column's statistics every tenant
-- is estimated alike (a fixed share of the table), so lookups by (resource_type, id) use the
-- indexes made for them whatever the statistics say; the extended statistics of 0012 still tell
-- the planner how tenant, code and value go together. test/fhir/write-plans.test.ts counts the
-- tuples a write reads in a tenant the statistics do not know.
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['resource', 'resource_history', 'search_string', 'search_token', 'search_reference',
                           'search_date', 'search_number', 'search_quantity', 'search_uri', 'search_composite'] LOOP
    EXECUTE format('ALTER TABLE public.%I ALTER COLUMN tenant_id SET STATISTICS 0', t);
    -- ANALYZE leaves the statistics it no longer collects in place; only a superuser may drop them
    -- (a database migrated by a lesser role keeps them until PostgreSQL 18's pg_clear_attribute_stats).
    BEGIN
      DELETE FROM pg_catalog.pg_statistic s USING pg_catalog.pg_attribute a
       WHERE s.starelid = format('public.%I', t)::regclass AND a.attrelid = s.starelid
         AND a.attnum = s.staattnum AND a.attname = 'tenant_id';
    EXCEPTION WHEN insufficient_privilege THEN
      RAISE NOTICE 'statistics of %.tenant_id kept: not a superuser', t;
    END;
  END LOOP;
END $$;
