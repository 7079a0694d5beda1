-- The four group roles and who owns what.
BEGIN;
\ir setup.psql
SELECT plan(14);

SELECT has_role(r) FROM unnest(ARRAY['fhir_owner', 'fhir_app', 'fhir_analyst', 'fhir_admin']) AS r;
SELECT is((SELECT count(*) FROM pg_roles WHERE rolname LIKE 'fhir\_%' AND rolname IN ('fhir_owner', 'fhir_app', 'fhir_analyst', 'fhir_admin')
             AND (rolcanlogin OR rolsuper OR rolbypassrls OR rolcreaterole)), 0::bigint,
          'group roles cannot log in and have neither SUPERUSER, BYPASSRLS nor CREATEROLE');
SELECT is(pg_get_userbyid(nspowner)::text, 'fhir_owner', format('schema %s is owned by fhir_owner', nspname))
  FROM pg_namespace WHERE nspname IN ('fhir_admin', 'fhir_views', 'fhir_analytics') ORDER BY nspname;
SELECT is((SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND pg_get_userbyid(c.relowner) <> 'fhir_owner'), 0::bigint,
          'fhir_owner owns every table');
SELECT ok(NOT has_function_privilege('fhir_analyst', 'fhir_private.secure_tables()', 'EXECUTE')
          AND NOT has_function_privilege('fhir_app', 'fhir_private.secure_tables()', 'EXECUTE'),
          'neither fhir_analyst nor fhir_app may run the maintenance procedure');
SELECT ok(has_schema_privilege('fhir_analyst', 'fhir_views', 'USAGE') AND has_schema_privilege('fhir_analyst', 'fhir_analytics', 'USAGE'),
          'fhir_analyst reaches fhir_views and fhir_analytics');
SELECT ok(NOT has_schema_privilege('fhir_analyst', 'fhir_views', 'CREATE') AND NOT has_schema_privilege('fhir_analyst', 'fhir_analytics', 'CREATE')
          AND NOT has_schema_privilege('fhir_analyst', 'public', 'CREATE'), 'fhir_analyst creates nothing');
SELECT ok(NOT has_schema_privilege('fhir_analyst', 'fhir_admin', 'USAGE'), 'fhir_analyst cannot reach the admin functions');
SELECT ok(NOT EXISTS (SELECT 1 FROM pg_auth_members m WHERE m.member = 'fhir_app'::regrole), 'fhir_app is a member of no role');

SELECT * FROM finish();
ROLLBACK;
