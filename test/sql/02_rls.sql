-- FORCE RLS on every tenant table, the policies of each role, and the private-table convention.
BEGIN;
\ir setup.psql
SELECT plan(13);

CREATE TEMP VIEW tenant_tables AS
  SELECT c.oid, c.relname, c.relrowsecurity, c.relforcerowsecurity,
         coalesce(obj_description(c.oid, 'pg_class'), '') LIKE 'fhir:private%' AS private
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
     AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped);
CREATE TEMP VIEW policies AS
  SELECT p.polrelid, p.polname, p.polcmd, array(SELECT rolname FROM pg_roles WHERE oid = ANY (p.polroles) ORDER BY 1) AS roles
    FROM pg_policy p;

SELECT cmp_ok((SELECT count(*) FROM tenant_tables), '>=', 10::bigint, 'the tenant table set is found');
SELECT is(array(SELECT relname::text FROM tenant_tables WHERE NOT (relrowsecurity AND relforcerowsecurity)), '{}'::text[],
          'every tenant table has RLS enabled and forced');
SELECT is(array(SELECT relname::text FROM tenant_tables t WHERE NOT EXISTS (
            SELECT 1 FROM policies p WHERE p.polrelid = t.oid AND p.polname = 'tenant_isolation' AND p.polcmd = '*' AND p.roles = '{}')),
          '{}'::text[], 'every tenant table has the isolation policy, for every role and command');
SELECT is(array(SELECT relname::text FROM tenant_tables t WHERE NOT private AND NOT EXISTS (
            SELECT 1 FROM policies p WHERE p.polrelid = t.oid AND p.polname = 'analyst_read' AND p.polcmd = 'r' AND p.roles = '{fhir_analyst}')),
          '{}'::text[], 'every tenant table that is not private has a SELECT-only policy for fhir_analyst');
SELECT is(array(SELECT relname::text FROM tenant_tables t WHERE NOT EXISTS (
            SELECT 1 FROM policies p WHERE p.polrelid = t.oid AND p.polname = 'owner_maintenance' AND p.roles = '{fhir_owner}')),
          '{}'::text[], 'every tenant table has the owner maintenance policy');
SELECT is(array(SELECT DISTINCT p.polname::text FROM policies p JOIN tenant_tables t ON t.oid = p.polrelid
                 WHERE p.polname NOT IN ('tenant_isolation', 'analyst_read', 'owner_maintenance')), '{}'::text[],
          'tenant tables carry no other policy');
SELECT is(array(SELECT relname::text FROM tenant_tables WHERE NOT private AND has_table_privilege('fhir_analyst', oid, 'INSERT, UPDATE, DELETE, TRUNCATE')),
          '{}'::text[], 'fhir_analyst has no write privilege on any tenant table');
SELECT ok(NOT EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                       WHERE n.nspname = 'public' AND c.relname LIKE 'shared\_%' AND c.relkind = 'r'
                         AND NOT (c.relrowsecurity AND c.relforcerowsecurity
                                  AND EXISTS (SELECT 1 FROM pg_policies p WHERE p.schemaname = 'public' AND p.tablename = c.relname
                                              AND p.policyname = 'shared_read' AND p.cmd = 'SELECT' AND p.qual = 'true'))),
          'the shared table set: readable by all, writes under forced RLS (a shared-write context)');
SELECT throws_ok($$SELECT pg_temp.run_as('fhir_app', 'tap-acme', $q$INSERT INTO shared_resource VALUES ('Organization', 'tap-x', 1, now(), false, '{}')$q$)$$,
                 '42501', NULL, 'a tenant context does not write the shared set (only a shared-write context or fhir_admin does)');

-- An operator marks a table private: fhir_app keeps its tenant rows, fhir_analyst loses everything.
CREATE TABLE public.tap_private_notes (tenant_id text NOT NULL, note text);
INSERT INTO public.tap_private_notes VALUES ('tap-acme', 'a'), ('tap-globex', 'g');
CALL fhir_private.secure_tables();
SELECT ok(has_table_privilege('fhir_analyst', 'public.tap_private_notes', 'SELECT'), 'a new tenant table is readable by fhir_analyst');
COMMENT ON TABLE public.tap_private_notes IS 'fhir:private: test notes';
CALL fhir_private.secure_tables();
SELECT ok(NOT has_table_privilege('fhir_analyst', 'public.tap_private_notes', 'SELECT')
          AND NOT EXISTS (SELECT 1 FROM policies WHERE polrelid = 'public.tap_private_notes'::regclass AND polname = 'analyst_read'),
          'a table commented fhir:private loses the analyst grant and policy');
SELECT throws_ok($$SELECT pg_temp.count_as('fhir_analyst', NULL, 'SELECT * FROM public.tap_private_notes')$$, '42501',
                 NULL, 'fhir_analyst cannot read a private table');
SELECT is(pg_temp.count_as('fhir_app', 'tap-acme', 'SELECT * FROM public.tap_private_notes'), 1::bigint,
          'fhir_app still reads its own tenant rows of a private table');

SELECT * FROM finish();
ROLLBACK;
