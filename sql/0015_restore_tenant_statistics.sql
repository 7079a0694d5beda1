-- Undoes 0013: tenant_id of the tenant tables gets its statistics back. Without them the
-- extended statistics of 0012 cannot be computed at all ("statistics object could not be
-- computed"), and searches lost their plans (the Observation search by patient, code and date of
-- the benchmark went from 41 to 266 ms). The write path does not need 0013: tenant transactions
-- use generic plans (0014), which estimate an average tenant, and the deletes of index rows are
-- keyed explicitly; test/fhir/write-plans.test.ts keeps that true. Run ANALYZE after this migration on a database
-- that ran 0013 with data in it.
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['resource', 'resource_history', 'search_string', 'search_token', 'search_reference',
                           'search_date', 'search_number', 'search_quantity', 'search_uri', 'search_composite'] LOOP
    EXECUTE format('ALTER TABLE public.%I ALTER COLUMN tenant_id SET STATISTICS -1', t);
  END LOOP;
END $$;
