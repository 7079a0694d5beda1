-- The keyed tenant context (sql/0014): SQL that runs as fhir_app without the server's key sets
-- the tenant by hand, forges or replays a ticket, calls the doors with a wrong key or the admin
-- functions with another tenant's id: it sees no tenant row and lists, changes or purges nothing.
BEGIN;
\ir setup.psql
SELECT plan(12);

CREATE FUNCTION pg_temp.forged(p_sql text, p_query text) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE n bigint;
BEGIN
  PERFORM set_config('role', 'fhir_app', true);
  EXECUTE p_sql;
  EXECUTE 'SELECT count(*) FROM (' || p_query || ') AS q' INTO n;
  PERFORM set_config('role', 'none', true), set_config('app.tenant_id', '', true), set_config('app.context', '', true), set_config('app.ticket', '', true);
  RETURN n;
END $$;

SELECT is(pg_temp.count_as('fhir_app', 'tap-acme', 'SELECT * FROM resource'), 3::bigint, 'with a context issued by the key holder, fhir_app sees its tenant');
SELECT is(pg_temp.forged($$SELECT set_config('app.tenant_id', 'tap-acme', true), set_config('app.context', 'tenant', true)$$, 'SELECT * FROM resource'),
          0::bigint, 'the tenant set by hand enters nothing');
SELECT is(pg_temp.forged($$SELECT set_config('app.tenant_id', 'tap-acme', true), set_config('app.context', 'tenant', true), set_config('app.ticket', repeat('0', 64), true)$$,
                         'SELECT * FROM tenant'), 0::bigint, 'nor with a made-up ticket (not even its own registry row)');

-- A real ticket of tap-globex, taken inside this transaction, then replayed for tap-acme.
SELECT fhir_private.issue_context('tap-globex', 'tenant');
CREATE TEMP TABLE stolen AS SELECT current_setting('app.ticket') AS ticket;
GRANT SELECT ON stolen TO fhir_app;
SELECT is(pg_temp.forged($$SELECT set_config('app.tenant_id', 'tap-acme', true), set_config('app.context', 'tenant', true), set_config('app.ticket', (SELECT ticket FROM stolen), true)$$,
                         'SELECT * FROM resource'), 0::bigint, 'another tenant''s ticket opens nothing');
SELECT is(pg_temp.forged($$SELECT set_config('app.context', 'admin', true), set_config('app.ticket', (SELECT ticket FROM stolen), true)$$,
                         'SELECT * FROM resource'), 0::bigint, 'nor turns into an admin context');

SELECT throws_ok($$SELECT pg_temp.forged($q$SELECT fhir_private.open_context('a-guess-0123456789abcdef0123456789ab', 'tap-acme', 'tenant')$q$, 'SELECT 1')$$,
                 '28000', NULL, 'open_context refuses a wrong key');
SELECT throws_ok($$SELECT pg_temp.forged($q$SELECT fhir_private.issue_context('tap-acme', 'tenant')$q$, 'SELECT 1')$$,
                 '42501', NULL, 'issue_context is for fhir_admin members only');
SELECT throws_ok($$SELECT pg_temp.forged($q$SELECT fhir_private.set_context('tap-acme', 'tenant', null)$q$, 'SELECT 1')$$,
                 '42501', NULL, 'set_context is the owner''s');
SELECT throws_ok($$SELECT pg_temp.forged('SELECT 1', $q$SELECT * FROM fhir_admin.purge_tenant('tap-acme')$q$)$$,
                 '42501', NULL, 'fhir_app cannot purge a tenant');
SELECT throws_ok($$SELECT pg_temp.forged($q$SELECT set_config('app.context', 'admin', true)$q$, 'SELECT * FROM fhir_admin.list_tenants()')$$,
                 '42501', NULL, 'nor list tenants, whatever it sets');
SELECT throws_ok($$SELECT pg_temp.forged('SELECT 1', 'SELECT * FROM fhir_private.context_key')$$, '42501', NULL, 'nor read the key''s hash');
SELECT is((SELECT count(*) FROM resource WHERE tenant_id = 'tap-acme'), 3::bigint, 'and the tenant''s rows are all there');

SELECT * FROM finish();
ROLLBACK;
