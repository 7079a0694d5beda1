-- Issue 12: a tenant context that SQL running as the API login cannot forge (the IBM FHIR Db2
-- model). Until now RLS compared tenant_id with current_setting('app.tenant_id'), which any SQL
-- on the API's connection could set: one injectable statement anywhere would have read, changed
-- or purged every tenant. Now:
--   * the server holds a context key (configuration; DATA_DIR/context.key on the embedded
--     database). This database keeps only its SHA-256 (fhir_private.context_key, owner only);
--   * a transaction enters a context (tenant, shared read, shared write, admin) only through
--     fhir_private.open_context(key, ...), SECURITY DEFINER, which checks the key and sets
--     app.tenant_id, app.context and app.ticket: an HMAC-SHA-256, under a secret that never
--     leaves the database (fhir_private.ticket_secret, owner only), of the mode, the tenant, the
--     backend and the start of this transaction. A ticket is therefore worth nothing in any other
--     transaction, and no SQL without the key can make one;
--   * every policy verifies the ticket, wrapped in (SELECT ...) so it is checked once per statement
--     and table, not once per row; the admin functions and shared-set writes verify it too. So the
--     API login is a member of fhir_app only (it can SET ROLE to nothing more privileged) and still
--     administers tenants and writes the shared set, with the key.
-- Operators in psql (logins that are members of fhir_admin, after `set role fhir_admin`) keep their
-- functions without a key: the login's membership, which SQL cannot change, is the credential there.

CREATE TABLE IF NOT EXISTS fhir_private.context_key (
  key_hash bytea PRIMARY KEY,
  added_at timestamptz NOT NULL DEFAULT now()
);
--> statement-breakpoint
-- The HMAC key, kept as its inner and outer pads (RFC 2104) so a ticket costs two sha256 calls.
CREATE TABLE IF NOT EXISTS fhir_private.ticket_secret (
  one boolean PRIMARY KEY DEFAULT true CHECK (one),
  ipad bytea NOT NULL,
  opad bytea NOT NULL
);
--> statement-breakpoint
ALTER TABLE fhir_private.context_key OWNER TO fhir_owner;
--> statement-breakpoint
ALTER TABLE fhir_private.ticket_secret OWNER TO fhir_owner;
--> statement-breakpoint
REVOKE ALL ON fhir_private.context_key, fhir_private.ticket_secret FROM PUBLIC;
--> statement-breakpoint
-- 256 bits from the server's strong random source (gen_random_uuid: 122 random bits each).
DO $$
DECLARE
  k bytea := sha256(convert_to(gen_random_uuid()::text || gen_random_uuid()::text || gen_random_uuid()::text, 'UTF8'))
             || decode(repeat('00', 32), 'hex');
  i bytea := k;
  o bytea := k;
BEGIN
  FOR n IN 0..63 LOOP
    i := set_byte(i, n, get_byte(k, n) # 54);
    o := set_byte(o, n, get_byte(k, n) # 92);
  END LOOP;
  INSERT INTO fhir_private.ticket_secret (ipad, opad) VALUES (i, o) ON CONFLICT DO NOTHING;
END $$;
--> statement-breakpoint
-- HMAC(secret, mode/tenant/backend/transaction start). Inlined into its callers (plain SQL).
CREATE OR REPLACE FUNCTION fhir_private.ticket_of(p_ipad bytea, p_opad bytea, p_mode text, p_tenant text)
RETURNS text
LANGUAGE sql STABLE
AS $$
  SELECT encode(sha256(p_opad || sha256(p_ipad || convert_to(
    p_mode || '/' || p_tenant || '/' || pg_backend_pid() || '/' || (extract(epoch FROM transaction_timestamp()) * 1000000)::bigint,
    'UTF8'))), 'hex')
$$;
--> statement-breakpoint
-- Sets the context of this transaction (owner only: reached through open_context or issue_context).
CREATE OR REPLACE FUNCTION fhir_private.set_context(p_tenant text, p_mode text, p_actor text)
RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  s record;
  t text := coalesce(p_tenant, '');
BEGIN
  IF p_mode IS NULL OR p_mode NOT IN ('tenant', 'shared-read', 'shared-write', 'admin') THEN
    RAISE EXCEPTION 'unknown context mode "%"', p_mode USING ERRCODE = '22023';
  END IF;
  SELECT * INTO STRICT s FROM fhir_private.ticket_secret;
  PERFORM set_config('app.tenant_id', t, true), set_config('app.context', p_mode, true),
          set_config('app.actor', coalesce(p_actor, ''), true),
          set_config('app.ticket', fhir_private.ticket_of(s.ipad, s.opad, p_mode, t), true);
  RETURN t;
END $$;
--> statement-breakpoint
-- The server's door: the first statement of every transaction calls it with the context key.
CREATE OR REPLACE FUNCTION fhir_private.open_context(p_key text, p_tenant text, p_mode text, p_actor text DEFAULT NULL)
RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF p_key IS NULL OR NOT EXISTS (SELECT 1 FROM fhir_private.context_key WHERE key_hash = sha256(convert_to(p_key, 'UTF8'))) THEN
    RAISE EXCEPTION 'tenant context refused: this context key is not registered in the database' USING ERRCODE = '28000';
  END IF;
  RETURN fhir_private.set_context(p_tenant, p_mode, p_actor);
END $$;
--> statement-breakpoint
-- Whether the role the caller runs as (its SET ROLE, else its login) is a member of fhir_admin.
-- Inside a SECURITY DEFINER function current_user is the owner, but the role setting is still the
-- caller's, and it can only name a role the login is a member of. So the API's transactions (role
-- fhir_app) are never operators, even on a login that could be; an operator in psql is one after
-- `set role fhir_admin` (or as a superuser with no role set).
CREATE OR REPLACE FUNCTION fhir_private.caller_in_fhir_admin()
RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
  SELECT pg_has_role(CASE WHEN current_setting('role') = 'none' THEN session_user ELSE current_setting('role') END, 'fhir_admin', 'MEMBER')
$$;
--> statement-breakpoint
-- An operator's door (psql, pgTAP): any context, for a session whose login is a member of fhir_admin.
CREATE OR REPLACE FUNCTION fhir_private.issue_context(p_tenant text, p_mode text)
RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF NOT fhir_private.caller_in_fhir_admin() THEN
    RAISE EXCEPTION 'permission denied: only members of fhir_admin may enter a context without the key' USING ERRCODE = '42501';
  END IF;
  RETURN fhir_private.set_context(p_tenant, p_mode, session_user);
END $$;
--> statement-breakpoint
-- The verified mode of this transaction's context; NULL when none was entered or the ticket is forged.
CREATE OR REPLACE FUNCTION fhir_private.context_mode()
RETURNS text
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  m text := current_setting('app.context', true);
  k text := current_setting('app.ticket', true);
  ok boolean;
BEGIN
  IF m IS NULL OR m = '' OR k IS NULL OR k = '' THEN RETURN NULL; END IF;
  SELECT k = fhir_private.ticket_of(s.ipad, s.opad, m, coalesce(current_setting('app.tenant_id', true), '')) INTO ok
    FROM fhir_private.ticket_secret s;
  RETURN CASE WHEN ok THEN m END;
END $$;
--> statement-breakpoint
-- What every tenant policy compares tenant_id with: the tenant of a verified tenant context, else
-- NULL (no rows). The hot path of RLS: one plpgsql call (its plan cached per backend), two sha256.
CREATE OR REPLACE FUNCTION fhir_private.tenant()
RETURNS text
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  t text := current_setting('app.tenant_id', true);
  k text := current_setting('app.ticket', true);
  ok boolean;
BEGIN
  IF t IS NULL OR t = '' OR k IS NULL OR k = '' OR current_setting('app.context', true) IS DISTINCT FROM 'tenant' THEN
    RETURN NULL;
  END IF;
  SELECT k = fhir_private.ticket_of(s.ipad, s.opad, 'tenant', t) INTO ok FROM fhir_private.ticket_secret s;
  RETURN CASE WHEN ok THEN t END;
END $$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION fhir_private.is_admin()
RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$ SELECT fhir_private.context_mode() IS NOT DISTINCT FROM 'admin' OR fhir_private.caller_in_fhir_admin() $$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION fhir_private.may_write_shared()
RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$ SELECT coalesce(fhir_private.context_mode() IN ('shared-write', 'admin'), false) OR fhir_private.caller_in_fhir_admin() $$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION fhir_private.require_admin()
RETURNS void
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF NOT fhir_private.is_admin() THEN
    RAISE EXCEPTION 'permission denied: the fhir_admin functions need an admin context or membership of fhir_admin' USING ERRCODE = '42501';
  END IF;
END $$;
--> statement-breakpoint
-- Who an administrative action is recorded as: the API's client, or the operator's login.
CREATE OR REPLACE FUNCTION fhir_private.actor()
RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
  SELECT CASE WHEN fhir_private.context_mode() = 'admin' THEN coalesce(nullif(current_setting('app.actor', true), ''), 'api')
              ELSE session_user::text END
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION fhir_private.audit(p_tenant text, p_action text, p_outcome text, p_detail text DEFAULT NULL)
RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp
AS $$ INSERT INTO public.audit_log (tenant, client, action, outcome, detail) VALUES (p_tenant, fhir_private.actor(), left(p_action, 300), p_outcome, left(p_detail, 500)) $$;
--> statement-breakpoint
-- The security model of every table, now with verified contexts: tenant tables and the registry
-- compare with fhir_private.tenant(); the shared set is readable by all and writable only in a
-- shared-write or admin context (or by fhir_admin members), so fhir_app may hold the grants.
CREATE OR REPLACE PROCEDURE fhir_private.secure_tables()
LANGUAGE plpgsql AS $$
DECLARE
  t record;
  isolation text := 'tenant_id = (SELECT fhir_private.tenant())';
  shared_write text := '(SELECT fhir_private.may_write_shared())';
  maintenance text := 'current_setting(''fhir.maintenance'', true) = ''on''';
BEGIN
  FOR t IN
    SELECT c.relname, c.oid,
           EXISTS (SELECT 1 FROM pg_attribute a
                   WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped) AS has_tenant,
           coalesce(obj_description(c.oid, 'pg_class'), '') LIKE 'fhir:private%' AS private
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
  LOOP
    IF pg_get_userbyid((SELECT relowner FROM pg_class WHERE oid = t.oid)) <> 'fhir_owner' THEN
      EXECUTE format('ALTER TABLE public.%I OWNER TO fhir_owner', t.relname);
    END IF;
    EXECUTE format('REVOKE ALL ON public.%I FROM PUBLIC', t.relname);
    IF t.relname = 'tenant' THEN
      EXECUTE 'ALTER TABLE public.tenant ENABLE ROW LEVEL SECURITY';
      EXECUTE 'ALTER TABLE public.tenant FORCE ROW LEVEL SECURITY';
      EXECUTE 'DROP POLICY IF EXISTS tenant_self ON public.tenant';
      EXECUTE 'CREATE POLICY tenant_self ON public.tenant FOR SELECT TO fhir_app USING (id = (SELECT fhir_private.tenant()))';
      EXECUTE 'DROP POLICY IF EXISTS analyst_read ON public.tenant';
      EXECUTE 'CREATE POLICY analyst_read ON public.tenant FOR SELECT TO fhir_analyst USING (true)';
      EXECUTE 'DROP POLICY IF EXISTS owner_maintenance ON public.tenant';
      EXECUTE format('CREATE POLICY owner_maintenance ON public.tenant TO fhir_owner USING (%s) WITH CHECK (%s)', maintenance, maintenance);
      EXECUTE 'GRANT SELECT ON public.tenant TO fhir_app, fhir_analyst';
    ELSIF t.has_tenant THEN
      EXECUTE format('ALTER TABLE public.%I ENABLE ROW LEVEL SECURITY', t.relname);
      EXECUTE format('ALTER TABLE public.%I FORCE ROW LEVEL SECURITY', t.relname);
      EXECUTE format('DROP POLICY IF EXISTS tenant_isolation ON public.%I', t.relname);
      EXECUTE format('CREATE POLICY tenant_isolation ON public.%I USING (%s) WITH CHECK (%s)', t.relname, isolation, isolation);
      EXECUTE format('DROP POLICY IF EXISTS analyst_read ON public.%I', t.relname);
      EXECUTE format('DROP POLICY IF EXISTS owner_maintenance ON public.%I', t.relname);
      EXECUTE format('CREATE POLICY owner_maintenance ON public.%I TO fhir_owner USING (%s) WITH CHECK (%s)', t.relname, maintenance, maintenance);
      EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON public.%I TO fhir_app', t.relname);
      IF t.private THEN
        EXECUTE format('REVOKE ALL ON public.%I FROM fhir_analyst', t.relname);
      ELSE
        EXECUTE format('CREATE POLICY analyst_read ON public.%I FOR SELECT TO fhir_analyst USING (true)', t.relname);
        EXECUTE format('GRANT SELECT ON public.%I TO fhir_analyst', t.relname);
      END IF;
    ELSIF t.relname LIKE 'shared\_%' THEN
      EXECUTE format('ALTER TABLE public.%I ENABLE ROW LEVEL SECURITY', t.relname);
      EXECUTE format('ALTER TABLE public.%I FORCE ROW LEVEL SECURITY', t.relname);
      EXECUTE format('DROP POLICY IF EXISTS shared_read ON public.%I', t.relname);
      EXECUTE format('CREATE POLICY shared_read ON public.%I FOR SELECT USING (true)', t.relname);
      EXECUTE format('DROP POLICY IF EXISTS shared_insert ON public.%I', t.relname);
      EXECUTE format('CREATE POLICY shared_insert ON public.%I FOR INSERT WITH CHECK (%s)', t.relname, shared_write);
      EXECUTE format('DROP POLICY IF EXISTS shared_update ON public.%I', t.relname);
      EXECUTE format('CREATE POLICY shared_update ON public.%I FOR UPDATE USING (%s) WITH CHECK (%s)', t.relname, shared_write, shared_write);
      EXECUTE format('DROP POLICY IF EXISTS shared_delete ON public.%I', t.relname);
      EXECUTE format('CREATE POLICY shared_delete ON public.%I FOR DELETE USING (%s)', t.relname, shared_write);
      EXECUTE format('GRANT SELECT ON public.%I TO fhir_analyst', t.relname);
      EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON public.%I TO fhir_app, fhir_admin', t.relname);
    END IF;
  END LOOP;
END $$;
--> statement-breakpoint
CALL fhir_private.secure_tables();
--> statement-breakpoint
-- The fast read and the tenant entry, keyed. SECURITY INVOKER still (they switch the caller's
-- role, which a definer may not); open_context does the part that needs the owner.
DROP FUNCTION IF EXISTS fhir_private.read_resource(text, text, text, integer, boolean, text);
--> statement-breakpoint
DROP FUNCTION IF EXISTS fhir_private.enter_tenant(text, text);
--> statement-breakpoint
DROP FUNCTION IF EXISTS fhir_private.enter_tenant(text, text, text);
--> statement-breakpoint
CREATE OR REPLACE FUNCTION fhir_private.read_resource(
  p_key text, p_tenant text, p_type text, p_id text, p_version integer, p_shared boolean, p_timeout text)
RETURNS TABLE (tenant_status text, tenant_config jsonb, table_set text, version_id integer, deleted boolean, last_updated text, body text)
LANGUAGE plpgsql
AS $$
BEGIN
  PERFORM set_config('role', 'fhir_app', true), fhir_private.open_context(p_key, p_tenant, 'tenant'),
          set_config('statement_timeout', p_timeout, true);
  RETURN QUERY
  SELECT t.status, t.config, v.table_set, v.version_id, v.deleted, v.last_updated, v.body
    FROM public.tenant t
    LEFT JOIN LATERAL (
      SELECT x.table_set, x.version_id, x.deleted, x.last_updated, x.body FROM (
        SELECT 1 AS rank, 'tenant'::text AS table_set, r.version_id, r.deleted,
               to_char(r.last_updated AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS last_updated, r.resource::text AS body
          FROM public.resource r
         WHERE p_version IS NULL AND r.tenant_id = p_tenant AND r.resource_type = p_type AND r.id = p_id
        UNION ALL
        SELECT 1, 'tenant', h.version_id, h.deleted, to_char(h.last_updated AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), h.resource::text
          FROM public.resource_history h
         WHERE p_version IS NOT NULL AND h.tenant_id = p_tenant AND h.resource_type = p_type AND h.id = p_id AND h.version_id = p_version
        UNION ALL
        SELECT 2, 'shared', s.version_id, s.deleted, to_char(s.last_updated AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), s.resource::text
          FROM public.shared_resource s
         WHERE p_shared AND p_version IS NULL AND s.resource_type = p_type AND s.id = p_id
        UNION ALL
        SELECT 2, 'shared', sh.version_id, sh.deleted, to_char(sh.last_updated AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), sh.resource::text
          FROM public.shared_resource_history sh
         WHERE p_shared AND p_version IS NOT NULL AND sh.resource_type = p_type AND sh.id = p_id AND sh.version_id = p_version
      ) x ORDER BY x.rank LIMIT 1
    ) v ON true
   WHERE t.id = p_tenant;
END $$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION fhir_private.enter_tenant(p_key text, p_tenant text, p_timeout text, p_plan_cache_mode text)
RETURNS TABLE (id text, name text, status text, config jsonb)
LANGUAGE plpgsql
AS $$
BEGIN
  PERFORM set_config('role', 'fhir_app', true), fhir_private.open_context(p_key, p_tenant, 'tenant'),
          set_config('statement_timeout', p_timeout, true), set_config('plan_cache_mode', p_plan_cache_mode, true);
  RETURN QUERY SELECT t.id, t.name, t.status, t.config FROM public.tenant t WHERE t.id = p_tenant;
END $$;
--> statement-breakpoint
-- The administrative functions: each first requires an admin context (the key) or an fhir_admin
-- login, and the ones that change something record themselves in the audit log, so psql and the
-- HTTP API leave the same trail. EXECUTE is granted to fhir_app too (the API login has no other
-- role); without the key it gets 42501.
CREATE OR REPLACE FUNCTION fhir_admin.create_tenant(p_id text, p_name text, p_config jsonb DEFAULT '{}')
RETURNS SETOF public.tenant
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp SET fhir.maintenance = 'on'
AS $$
  SELECT fhir_private.require_admin();
  SELECT fhir_private.audit(p_id, 'create tenant', 'done');
  INSERT INTO public.tenant (id, name, config) VALUES (p_id, p_name, coalesce(p_config, '{}'))
  RETURNING *;
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION fhir_admin.list_tenants()
RETURNS SETOF public.tenant
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp SET fhir.maintenance = 'on'
AS $$
  SELECT fhir_private.require_admin();
  SELECT * FROM public.tenant ORDER BY id
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION fhir_admin.get_tenant(p_id text)
RETURNS SETOF public.tenant
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp SET fhir.maintenance = 'on'
AS $$
  SELECT fhir_private.require_admin();
  SELECT * FROM public.tenant WHERE id = p_id
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION fhir_admin.update_tenant(
  p_id text, p_name text DEFAULT NULL, p_status text DEFAULT NULL, p_config jsonb DEFAULT NULL)
RETURNS SETOF public.tenant
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp SET fhir.maintenance = 'on'
AS $$
BEGIN
  PERFORM fhir_private.require_admin();
  RETURN QUERY
  UPDATE public.tenant
     SET name = coalesce(p_name, name), status = coalesce(p_status, status), config = coalesce(p_config, config)
   WHERE id = p_id
  RETURNING *;
  IF FOUND THEN
    PERFORM fhir_private.audit(p_id, CASE
      WHEN p_name IS NULL AND p_config IS NULL AND p_status = 'suspended' THEN 'suspend tenant'
      WHEN p_name IS NULL AND p_config IS NULL AND p_status = 'active' THEN 'resume tenant'
      ELSE 'update tenant ' || jsonb_strip_nulls(jsonb_build_object('name', p_name, 'status', p_status, 'config', p_config))::text END, 'done');
  END IF;
END $$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION fhir_admin.purge_tenant(p_id text)
RETURNS TABLE (table_name text, rows_deleted bigint)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp SET fhir.maintenance = 'on'
AS $$
DECLARE
  t text;
  n bigint;
BEGIN
  PERFORM fhir_private.require_admin();
  IF NOT EXISTS (SELECT 1 FROM public.tenant WHERE id = p_id) THEN
    RETURN;
  END IF;
  FOR t IN
    SELECT c.relname FROM pg_class c
      JOIN pg_namespace ns ON ns.oid = c.relnamespace
      JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped
     WHERE ns.nspname = 'public' AND c.relkind IN ('r', 'p')
     ORDER BY c.relname
  LOOP
    EXECUTE format('DELETE FROM public.%I WHERE tenant_id = $1', t) USING p_id;
    GET DIAGNOSTICS n = ROW_COUNT;
    table_name := t; rows_deleted := n;
    RETURN NEXT;
  END LOOP;
  DELETE FROM public.access_policy WHERE tenant = p_id;
  GET DIAGNOSTICS n = ROW_COUNT;
  table_name := 'access_policy'; rows_deleted := n;
  RETURN NEXT;
  DELETE FROM public.tenant WHERE id = p_id;
  table_name := 'tenant'; rows_deleted := 1;
  RETURN NEXT;
  PERFORM fhir_private.audit(p_id, 'purge tenant', 'done', 'every row of the tenant deleted');
END $$;
--> statement-breakpoint
-- Called by shared-set writes (the shared set must not take an id a tenant uses).
CREATE OR REPLACE FUNCTION fhir_admin.resource_id_in_any_tenant(p_type text, p_id text)
RETURNS boolean
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp SET fhir.maintenance = 'on'
AS $$
BEGIN
  IF NOT fhir_private.may_write_shared() THEN
    RAISE EXCEPTION 'permission denied: only shared-set writers may ask' USING ERRCODE = '42501';
  END IF;
  RETURN EXISTS (
    SELECT 1 FROM public.tenant t
     WHERE EXISTS (SELECT 1 FROM public.resource r
                    WHERE r.tenant_id = t.id AND r.resource_type = p_type AND r.id = p_id));
END $$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION fhir_admin.list_analytics_views()
RETURNS TABLE (name text, materialized boolean, populated boolean, description text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
  SELECT fhir_private.require_admin();
  SELECT c.relname::text, c.relkind = 'm', c.relkind = 'v' OR c.relispopulated, obj_description(c.oid, 'pg_class')
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE n.nspname = 'fhir_analytics' AND c.relkind IN ('v', 'm')
   ORDER BY c.relname
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION fhir_admin.drop_analytics_view(p_name text)
RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE kind "char";
BEGIN
  PERFORM fhir_private.require_admin();
  SELECT c.relkind INTO kind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE n.nspname = 'fhir_analytics' AND c.relname = p_name AND c.relkind IN ('v', 'm');
  IF kind IS NULL THEN RETURN false; END IF;
  EXECUTE format('DROP %s fhir_analytics.%I', CASE kind WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE 'VIEW' END, p_name);
  PERFORM fhir_private.audit(NULL, 'drop analytics view ' || p_name, 'done');
  RETURN true;
END $$;
--> statement-breakpoint
-- A materialized view is owned by fhir_analytics_owner, a role with exactly fhir_analyst's reads,
-- so a refresh computes its rows with an analyst's rights, never the owner's: a query that names
-- a private table only inside a string (query_to_xml('select * from audit_log')), which no
-- dependency check can see, is refused by the table's own grants.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'fhir_analytics_owner') THEN
    CREATE ROLE fhir_analytics_owner NOLOGIN;
  END IF;
END $$;
--> statement-breakpoint
GRANT fhir_analyst TO fhir_analytics_owner;
--> statement-breakpoint
GRANT fhir_analytics_owner TO fhir_owner;
--> statement-breakpoint
GRANT USAGE, CREATE ON SCHEMA fhir_analytics TO fhir_analytics_owner;
--> statement-breakpoint
DO $$
DECLARE v record;
BEGIN
  FOR v IN SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'fhir_analytics' AND c.relkind = 'm' LOOP
    EXECUTE format('ALTER MATERIALIZED VIEW fhir_analytics.%I OWNER TO fhir_analytics_owner', v.relname);
  END LOOP;
END $$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION fhir_admin.refresh_analytics_view(p_name text)
RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  PERFORM fhir_private.require_admin();
  IF NOT EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                  WHERE n.nspname = 'fhir_analytics' AND c.relname = p_name AND c.relkind = 'm') THEN
    RETURN false;
  END IF;
  EXECUTE format('REFRESH MATERIALIZED VIEW fhir_analytics.%I', p_name);
  PERFORM fhir_private.audit(NULL, 'refresh analytics view ' || p_name, 'done');
  RETURN true;
END $$;
--> statement-breakpoint
-- (Re)creates fhir_analytics.<p_name> as SELECT * FROM (<p_query>); see sql/0007. The dependency
-- check sees the relations a query names, not those named inside SQL text that a built-in runs
-- (query_to_xml('select ...'); built-ins are pinned, so absent from pg_depend): that text runs
-- with the rights of whoever computes the rows, the invoker of a plain view (security_invoker) or
-- fhir_analytics_owner for a materialized one, never the owner of this function.
CREATE OR REPLACE FUNCTION fhir_admin.create_analytics_view(
  p_name text, p_query text, p_materialized boolean DEFAULT false, p_description text DEFAULT NULL)
RETURNS TABLE (name text, materialized boolean, populated boolean, description text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
AS $$
DECLARE
  body text;
  probe refcursor;
  view_oid oid;
  bad text;
BEGIN
  PERFORM fhir_private.require_admin();
  IF p_name IS NULL OR p_name !~ '^[a-z][a-z0-9_]{0,62}$' THEN
    RAISE EXCEPTION 'analytics view name must match ^[a-z][a-z0-9_]{0,62}$' USING ERRCODE = '22023';
  END IF;
  IF p_query IS NULL OR btrim(p_query) = '' THEN
    RAISE EXCEPTION 'analytics view needs a query' USING ERRCODE = '22023';
  END IF;
  body := 'SELECT * FROM (' || p_query || E'\n) AS q';
  OPEN probe NO SCROLL FOR EXECUTE body;
  CLOSE probe;
  PERFORM fhir_admin.drop_analytics_view(p_name);
  IF p_materialized THEN
    EXECUTE format('CREATE MATERIALIZED VIEW fhir_analytics.%I AS %s WITH NO DATA', p_name, body);
  ELSE
    EXECUTE format('CREATE VIEW fhir_analytics.%I WITH (security_invoker = true) AS %s', p_name, body);
  END IF;
  view_oid := format('fhir_analytics.%I', p_name)::regclass;
  SELECT string_agg(DISTINCT pg_describe_object(d.refclassid, d.refobjid, 0), ', ') INTO bad
    FROM pg_rewrite r JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid
   WHERE r.ev_class = view_oid AND d.refobjid <> view_oid
     AND CASE d.refclassid
           WHEN 'pg_class'::regclass THEN NOT has_table_privilege('fhir_analyst', d.refobjid, 'SELECT')
           WHEN 'pg_proc'::regclass THEN (SELECT pronamespace FROM pg_proc WHERE oid = d.refobjid) <> 'pg_catalog'::regnamespace
           WHEN 'pg_type'::regclass THEN (SELECT typnamespace FROM pg_type WHERE oid = d.refobjid) <> 'pg_catalog'::regnamespace
           WHEN 'pg_operator'::regclass THEN (SELECT oprnamespace FROM pg_operator WHERE oid = d.refobjid) <> 'pg_catalog'::regnamespace
           WHEN 'pg_collation'::regclass THEN false
           ELSE true
         END;
  IF bad IS NOT NULL THEN
    RAISE EXCEPTION 'an analytics view may read only what fhir_analyst may read and call only built-in functions; not: %', bad
      USING ERRCODE = '42501';
  END IF;
  EXECUTE format('REVOKE ALL ON fhir_analytics.%I FROM PUBLIC', p_name);
  IF p_materialized THEN
    EXECUTE format('ALTER MATERIALIZED VIEW fhir_analytics.%I OWNER TO fhir_analytics_owner', p_name);
    EXECUTE format('GRANT SELECT ON fhir_analytics.%I TO fhir_analyst', p_name);
    EXECUTE format('REFRESH MATERIALIZED VIEW fhir_analytics.%I', p_name);
  ELSE
    EXECUTE format('GRANT SELECT ON fhir_analytics.%I TO fhir_analyst, fhir_app', p_name);
  END IF;
  IF p_description IS NOT NULL THEN
    EXECUTE format('COMMENT ON %s fhir_analytics.%I IS %L',
                   CASE WHEN p_materialized THEN 'MATERIALIZED VIEW' ELSE 'VIEW' END, p_name, p_description);
  END IF;
  PERFORM fhir_private.audit(NULL, 'create analytics view ' || p_name, 'done', CASE WHEN p_materialized THEN 'materialized' END);
  RETURN QUERY SELECT * FROM fhir_admin.list_analytics_views() v WHERE v.name = p_name;
END $$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION fhir_admin.list_tenant_usage()
RETURNS TABLE (id text, name text, status text, resources bigint, total_rows bigint, total_bytes bigint)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp SET fhir.maintenance = 'on'
AS $$
DECLARE
  t text;
  parts text[] := ARRAY[]::text[];
BEGIN
  PERFORM fhir_private.require_admin();
  FOR t IN
    SELECT c.relname FROM pg_class c
      JOIN pg_namespace ns ON ns.oid = c.relnamespace
      JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped
     WHERE ns.nspname = 'public' AND c.relkind IN ('r', 'p')
     ORDER BY c.relname
  LOOP
    parts := parts || format('SELECT tenant_id, count(*) AS n, sum(pg_column_size(x.*)) AS b FROM public.%I x GROUP BY tenant_id', t);
  END LOOP;
  RETURN QUERY EXECUTE format(
    'WITH u AS (%s), r AS (SELECT tenant_id, count(*) AS n FROM public.resource WHERE NOT deleted GROUP BY tenant_id) '
    'SELECT t.id, t.name, t.status, coalesce(r.n, 0)::bigint, coalesce(sum(u.n), 0)::bigint, coalesce(sum(u.b), 0)::bigint '
    'FROM public.tenant t LEFT JOIN u ON u.tenant_id = t.id LEFT JOIN r ON r.tenant_id = t.id '
    'GROUP BY t.id, t.name, t.status, r.n ORDER BY t.id',
    array_to_string(parts, ' UNION ALL '));
END $$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION fhir_admin.request_reindex(p_tenant text)
RETURNS SETOF fhir_admin.reindex_request
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp SET fhir.maintenance = 'on'
AS $$
BEGIN
  PERFORM fhir_private.require_admin();
  RETURN QUERY
  INSERT INTO fhir_admin.reindex_request (tenant_id)
  SELECT t.id FROM public.tenant t WHERE t.id = p_tenant
  ON CONFLICT (tenant_id) DO UPDATE
     SET requested_at = now(), started_at = NULL, finished_at = NULL, resources = NULL, error = NULL
  RETURNING *;
  IF FOUND THEN PERFORM fhir_private.audit(p_tenant, 'request reindex', 'done'); END IF;
END $$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION fhir_admin.list_reindex_requests()
RETURNS SETOF fhir_admin.reindex_request
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
AS $$
  SELECT fhir_private.require_admin();
  SELECT * FROM fhir_admin.reindex_request ORDER BY requested_at
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION fhir_admin.claim_reindex_request()
RETURNS SETOF fhir_admin.reindex_request
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp
AS $$
  SELECT fhir_private.require_admin();
  UPDATE fhir_admin.reindex_request q SET started_at = now()
   WHERE q.tenant_id = (SELECT tenant_id FROM fhir_admin.reindex_request
                         WHERE finished_at IS NULL AND (started_at IS NULL OR started_at < now() - interval '1 hour')
                         ORDER BY requested_at LIMIT 1 FOR UPDATE SKIP LOCKED)
  RETURNING q.*;
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION fhir_admin.finish_reindex_request(p_tenant text, p_resources integer, p_error text DEFAULT NULL)
RETURNS SETOF fhir_admin.reindex_request
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp
AS $$
  SELECT fhir_private.require_admin();
  UPDATE fhir_admin.reindex_request SET finished_at = now(), resources = p_resources, error = p_error
   WHERE tenant_id = p_tenant
  RETURNING *;
$$;
--> statement-breakpoint
-- Act as one tenant inside a psql transaction, with RLS on (see sql/0007): now through
-- issue_context, so only an fhir_admin login can.
CREATE OR REPLACE FUNCTION fhir_admin.as_tenant(p_tenant text)
RETURNS SETOF public.tenant
LANGUAGE plpgsql SECURITY INVOKER SET search_path = public, pg_temp
AS $$
BEGIN
  IF now() = statement_timestamp() THEN
    RAISE WARNING 'fhir_admin.as_tenant: outside BEGIN ... COMMIT the role and tenant end with this statement';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM fhir_admin.get_tenant(p_tenant)) THEN
    RAISE EXCEPTION 'unknown tenant "%"', p_tenant USING ERRCODE = 'P0002';
  END IF;
  PERFORM fhir_private.issue_context(p_tenant, 'tenant'), set_config('role', 'fhir_app', true);
  RETURN QUERY SELECT * FROM public.tenant;
END $$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION fhir_admin.grant_access_policy(p_id text, p_client text, p_tenant text, p_policy jsonb)
RETURNS SETOF public.access_policy
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp
AS $$
  SELECT fhir_private.require_admin();
  SELECT fhir_private.audit(CASE WHEN p_tenant = '*' THEN NULL ELSE p_tenant END, 'grant access policy ' || p_id, 'done');
  INSERT INTO public.access_policy (id, client, tenant, policy) VALUES (p_id, p_client, p_tenant, p_policy)
  ON CONFLICT (id) DO UPDATE SET client = excluded.client, tenant = excluded.tenant, policy = excluded.policy, updated_at = now()
  RETURNING *;
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION fhir_admin.revoke_access_policy(p_id text)
RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
AS $$
DECLARE done boolean;
BEGIN
  PERFORM fhir_private.require_admin();
  WITH d AS (DELETE FROM public.access_policy WHERE id = p_id RETURNING 1) SELECT EXISTS (SELECT 1 FROM d) INTO done;
  PERFORM fhir_private.audit(NULL, 'revoke access policy ' || p_id, CASE WHEN done THEN 'done' ELSE 'not found' END);
  RETURN done;
END $$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION fhir_admin.list_access_policies()
RETURNS SETOF public.access_policy
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
AS $$
  SELECT fhir_private.require_admin();
  SELECT * FROM public.access_policy ORDER BY id
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION fhir_admin.record_audit(p_tenant text, p_client text, p_action text, p_outcome text, p_detail text DEFAULT NULL)
RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp
AS $$
  SELECT fhir_private.require_admin();
  INSERT INTO public.audit_log (tenant, client, action, outcome, detail) VALUES (p_tenant, p_client, p_action, p_outcome, p_detail)
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION fhir_admin.read_audit(p_tenant text DEFAULT NULL, p_limit integer DEFAULT 100)
RETURNS SETOF public.audit_log
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
AS $$
  SELECT fhir_private.require_admin();
  SELECT * FROM public.audit_log WHERE p_tenant IS NULL OR tenant = p_tenant
  ORDER BY at DESC LIMIT least(greatest(p_limit, 1), 10000);
$$;
--> statement-breakpoint
-- Ownership and grants: the admin functions to fhir_admin (operators) and fhir_app (the API, with
-- the key); of fhir_private, fhir_app may call only the doors and the checks, never set_context.
DO $$
DECLARE f regprocedure;
BEGIN
  FOR f IN SELECT p.oid::regprocedure FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
            WHERE n.nspname IN ('fhir_admin', 'fhir_private') AND p.prokind = 'f' LOOP
    EXECUTE format('ALTER FUNCTION %s OWNER TO fhir_owner', f);
    EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', f);
  END LOOP;
  FOR f IN SELECT p.oid::regprocedure FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
            WHERE n.nspname = 'fhir_admin' LOOP
    EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO fhir_admin, fhir_app', f);
  END LOOP;
END $$;
--> statement-breakpoint
GRANT USAGE ON SCHEMA fhir_admin TO fhir_app;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION fhir_private.read_resource(text, text, text, text, integer, boolean, text),
  fhir_private.enter_tenant(text, text, text, text), fhir_private.open_context(text, text, text, text),
  fhir_private.tenant(), fhir_private.context_mode(), fhir_private.is_admin(), fhir_private.may_write_shared(),
  fhir_private.require_admin(), fhir_private.actor(), fhir_private.caller_in_fhir_admin()
  TO fhir_app, fhir_admin, fhir_analyst;
--> statement-breakpoint
GRANT USAGE ON SCHEMA fhir_private TO fhir_admin, fhir_analyst;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION fhir_private.issue_context(text, text) TO fhir_admin;
