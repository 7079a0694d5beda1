-- fhir_analyst: reads every tenant through policies, writes nothing, sees nothing private.
BEGIN;
\ir setup.psql
SELECT plan(8);

SELECT is(pg_temp.count_as('fhir_analyst', NULL, $$SELECT * FROM resource WHERE tenant_id LIKE 'tap-%'$$), 5::bigint,
          'fhir_analyst reads the rows of every tenant (no tenant set)');
SELECT is(pg_temp.count_as('fhir_analyst', 'tap-acme', $$SELECT * FROM resource WHERE tenant_id LIKE 'tap-%'$$), 5::bigint,
          'a tenant setting does not narrow fhir_analyst');
SELECT is(pg_temp.count_as('fhir_analyst', NULL, $$SELECT * FROM tenant WHERE id LIKE 'tap-%'$$), 2::bigint, 'and the tenant registry');
SELECT throws_ok($$SELECT pg_temp.run_as('fhir_analyst', NULL,
                   'INSERT INTO resource VALUES (''tap-acme'', ''Patient'', ''x'', 1, now(), false, ''{}'')')$$, '42501', NULL,
                 'fhir_analyst cannot insert');
SELECT throws_ok($$SELECT pg_temp.run_as('fhir_analyst', NULL, 'UPDATE resource SET version_id = 9')$$, '42501', NULL, 'fhir_analyst cannot update');
SELECT throws_ok($$SELECT pg_temp.run_as('fhir_analyst', NULL, 'DELETE FROM resource_history')$$, '42501', NULL, 'fhir_analyst cannot delete');
SELECT throws_ok($$SELECT pg_temp.run_as('fhir_analyst', NULL, 'INSERT INTO shared_resource VALUES (''Organization'', ''x'', 1, now(), false, ''{}'')')$$,
                 '42501', NULL, 'fhir_analyst cannot write the shared set');
SELECT throws_ok($$SELECT pg_temp.run_as('fhir_analyst', NULL, 'SELECT fhir_admin.list_tenants()')$$, '42501', NULL,
                 'fhir_analyst cannot call the admin functions');

SELECT * FROM finish();
ROLLBACK;
