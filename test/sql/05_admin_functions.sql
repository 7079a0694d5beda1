-- The fhir_admin functions: who may call them, and what each does (called as fhir_admin).
BEGIN;
\ir setup.psql
SELECT plan(22);

CREATE TEMP VIEW admin_functions AS
  SELECT p.oid, p.proname, p.prosecdef FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'fhir_admin';

SELECT is(array(SELECT proname::text FROM admin_functions WHERE pg_get_userbyid((SELECT proowner FROM pg_proc WHERE oid = admin_functions.oid)) <> 'fhir_owner'),
          '{}'::text[], 'fhir_owner owns every fhir_admin function');
SELECT is(array(SELECT proname::text FROM admin_functions WHERE NOT has_function_privilege('fhir_admin', oid, 'EXECUTE')),
          '{}'::text[], 'fhir_admin may execute every one');
SELECT is(array(SELECT proname::text FROM admin_functions
                 WHERE has_function_privilege('fhir_analyst', oid, 'EXECUTE') OR has_function_privilege('public', oid, 'EXECUTE')),
          '{}'::text[], 'nobody else may but fhir_app (the API login) ...');
SELECT throws_ok($$SELECT pg_temp.run_as('fhir_app', 'tap-acme', 'SELECT * FROM fhir_admin.list_tenants()')$$, '42501', NULL,
                 '... which gets 42501 without an admin context (the key)');
SELECT is(array(SELECT proname::text FROM admin_functions WHERE NOT prosecdef ORDER BY 1), ARRAY['as_tenant'],
          'all are SECURITY DEFINER but as_tenant, which must switch role (a definer cannot)');

-- Tenant lifecycle.
SELECT is(pg_temp.count_as('fhir_admin', NULL, $$SELECT * FROM fhir_admin.create_tenant('tap-new', 'New')$$), 1::bigint, 'create_tenant');
SELECT is((SELECT status FROM fhir_admin.suspend_tenant('tap-new')), 'suspended', 'suspend_tenant');
SELECT is((SELECT status FROM fhir_admin.resume_tenant('tap-new')), 'active', 'resume_tenant');
SELECT is((SELECT array_agg(id ORDER BY id) FROM fhir_admin.list_tenants() WHERE id LIKE 'tap-%'), ARRAY['tap-acme', 'tap-globex', 'tap-new'], 'list_tenants');

-- Usage: one row per tenant with rows and bytes over every tenant table.
SELECT results_eq($$SELECT id, resources, total_rows FROM fhir_admin.list_tenant_usage() WHERE id LIKE 'tap-%' ORDER BY id$$,
                  $$VALUES ('tap-acme', 2::bigint, 3::bigint), ('tap-globex', 2::bigint, 2::bigint), ('tap-new', 0::bigint, 0::bigint)$$,
                  'list_tenant_usage counts current resources and all rows per tenant');
SELECT ok((SELECT total_bytes > 0 FROM fhir_admin.list_tenant_usage() WHERE id = 'tap-acme'), 'and their size in bytes');

-- Reindex requests: recorded in SQL, drained by the server.
SELECT is((SELECT tenant_id FROM fhir_admin.request_reindex('tap-acme')), 'tap-acme', 'request_reindex records a request');
SELECT is((SELECT count(*) FROM fhir_admin.request_reindex('nobody')), 0::bigint, 'but not for an unknown tenant');
SELECT is((SELECT tenant_id FROM fhir_admin.claim_reindex_request()), 'tap-acme', 'claim_reindex_request hands it to one worker');
SELECT is((SELECT count(*) FROM fhir_admin.claim_reindex_request()), 0::bigint, 'and to no other');
SELECT ok((SELECT finished_at IS NOT NULL AND resources = 2 FROM fhir_admin.finish_reindex_request('tap-acme', 2)), 'finish_reindex_request records the outcome');

-- Acting as a tenant (inside this transaction block).
CREATE FUNCTION pg_temp.as_tenant_sees(p_tenant text, p_query text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE n bigint; who text;
BEGIN
  PERFORM fhir_admin.as_tenant(p_tenant);
  who := current_user;
  EXECUTE 'SELECT count(*) FROM (' || p_query || ') AS q' INTO n;
  PERFORM set_config('role', 'none', true), set_config('app.tenant_id', '', true);
  RETURN who || ':' || n;
END $$;
SELECT is(pg_temp.as_tenant_sees('tap-acme', 'SELECT * FROM fhir_views.patient'), 'fhir_app:2', 'as_tenant switches to fhir_app and the tenant, RLS on');
SELECT is(pg_temp.as_tenant_sees('tap-globex', 'SELECT * FROM resource'), 'fhir_app:2', 'another tenant sees only its rows');
SELECT throws_ok($$SELECT fhir_admin.as_tenant('nobody')$$, 'P0002', NULL, 'as_tenant refuses an unknown tenant');

-- Purge: every row of the tenant, and its reindex request.
SELECT ok((SELECT sum(rows_deleted) FROM fhir_admin.purge_tenant('tap-acme')) = 4, 'purge_tenant deletes every row of the tenant (3 resources, 1 registry row)');
SELECT is((SELECT count(*) FROM resource WHERE tenant_id = 'tap-acme'), 0::bigint, 'nothing of it is left');
SELECT is((SELECT count(*) FROM fhir_admin.list_reindex_requests() WHERE tenant_id = 'tap-acme'), 0::bigint, 'nor its reindex request');

SELECT * FROM finish();
ROLLBACK;
