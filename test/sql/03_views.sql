-- fhir_views: one security_invoker view per stored R4 type; each role sees what its policies allow.
BEGIN;
\ir setup.psql
SELECT plan(14);

SELECT is((SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'fhir_views' AND c.relkind = 'v'), 146::bigint, 'a view for each of the 146 R4 resource types');
SELECT has_view('fhir_views', v, format('fhir_views.%s exists', v))
  FROM unnest(ARRAY['patient', 'observation', 'medicationrequest', 'organization']) AS v;
SELECT is(array(SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                 WHERE n.nspname = 'fhir_views' AND c.relkind = 'v' AND NOT coalesce('security_invoker=true' = ANY (c.reloptions), false)),
          '{}'::text[], 'every view is security_invoker');
SELECT is(array(SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                 WHERE n.nspname = 'fhir_views' AND c.relkind = 'v'
                   AND NOT (has_table_privilege('fhir_analyst', c.oid, 'SELECT') AND has_table_privilege('fhir_app', c.oid, 'SELECT'))),
          '{}'::text[], 'every view is granted to fhir_analyst and fhir_app');
SELECT columns_are('fhir_views', 'patient', ARRAY['tenant_id', 'id', 'version', 'last_updated', 'resource'], 'the columns of a type view');

SELECT is(pg_temp.count_as('fhir_analyst', NULL, $$SELECT * FROM fhir_views.patient WHERE tenant_id LIKE 'tap-%'$$), 3::bigint,
          'fhir_analyst sees the patients of every tenant (deleted ones left out)');
SELECT is(pg_temp.count_as('fhir_app', 'tap-acme', 'SELECT * FROM fhir_views.patient'), 2::bigint, 'fhir_app with a tenant sees its own patients');
SELECT is(pg_temp.count_as('fhir_app', 'tap-globex', 'SELECT * FROM fhir_views.patient'), 1::bigint, 'and another tenant only its own');
SELECT is(pg_temp.count_as('fhir_app', NULL, 'SELECT * FROM fhir_views.patient'), 0::bigint, 'fhir_app with no tenant sees nothing');
SELECT throws_ok($$SELECT pg_temp.count_as('fhir_admin', NULL, 'SELECT * FROM fhir_views.patient')$$, '42501', NULL,
                 'fhir_admin cannot read tenant data through the views');
SELECT throws_ok($$SELECT pg_temp.run_as('fhir_analyst', NULL, 'DELETE FROM fhir_views.patient')$$, '42501', NULL,
                 'fhir_analyst cannot write through a view');

SELECT * FROM finish();
ROLLBACK;
