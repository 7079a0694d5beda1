-- Issue 6: SQL analytics across tenants and administration from psql. Custom migration
-- (drizzle-kit cannot express views, policies or functions). Sections:
--   1. secure_tables(), new version: tables an operator marks private are kept from fhir_analyst;
--   2. fhir_views: one security_invoker view per stored R4 resource type;
--   3. fhir_analytics: cross-tenant views made from ViewDefinitions, through fhir_admin functions;
--   4. operator functions: tenant usage, reindex requests, acting as a tenant in psql.

-- 1. A table whose COMMENT starts with 'fhir:private' (e.g. the audit table:
--    COMMENT ON TABLE audit_event IS 'fhir:private: audit trail') is a tenant table like any
--    other for fhir_app, but fhir_analyst gets neither the read-all policy nor the SELECT grant,
--    and any it had are taken back. Everything else is exactly as sql/0001 made it.
CREATE OR REPLACE PROCEDURE fhir_private.secure_tables()
LANGUAGE plpgsql AS $$
DECLARE
  t record;
  isolation text := 'tenant_id = current_setting(''app.tenant_id'', true)';
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
      EXECUTE 'CREATE POLICY tenant_self ON public.tenant FOR SELECT TO fhir_app USING (id = current_setting(''app.tenant_id'', true))';
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
      EXECUTE format('GRANT SELECT ON public.%I TO fhir_app, fhir_analyst', t.relname);
      EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON public.%I TO fhir_admin', t.relname);
    END IF;
  END LOOP;
END $$;
--> statement-breakpoint
CALL fhir_private.secure_tables();
--> statement-breakpoint
-- 2. fhir_views.<type in lower case> (fhir_views.patient, fhir_views.medicationrequest, ...): the
--    current, non-deleted resources of one type in the tenant table set. security_invoker, so the
--    policies of whoever queries apply: fhir_analyst sees every tenant, fhir_app only the tenant
--    of its transaction, nobody else anything. The shared set is public.shared_resource.
CREATE SCHEMA IF NOT EXISTS fhir_views AUTHORIZATION fhir_owner;
--> statement-breakpoint
REVOKE ALL ON SCHEMA fhir_views FROM PUBLIC;
--> statement-breakpoint
GRANT USAGE ON SCHEMA fhir_views TO fhir_analyst, fhir_app;
--> statement-breakpoint
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY[
    'Account', 'ActivityDefinition', 'AdverseEvent', 'AllergyIntolerance', 'Appointment',
    'AppointmentResponse', 'AuditEvent', 'Basic', 'Binary', 'BiologicallyDerivedProduct',
    'BodyStructure', 'Bundle', 'CapabilityStatement', 'CarePlan', 'CareTeam', 'CatalogEntry',
    'ChargeItem', 'ChargeItemDefinition', 'Claim', 'ClaimResponse', 'ClinicalImpression',
    'CodeSystem', 'Communication', 'CommunicationRequest', 'CompartmentDefinition', 'Composition',
    'ConceptMap', 'Condition', 'Consent', 'Contract', 'Coverage', 'CoverageEligibilityRequest',
    'CoverageEligibilityResponse', 'DetectedIssue', 'Device', 'DeviceDefinition', 'DeviceMetric',
    'DeviceRequest', 'DeviceUseStatement', 'DiagnosticReport', 'DocumentManifest',
    'DocumentReference', 'EffectEvidenceSynthesis', 'Encounter', 'Endpoint', 'EnrollmentRequest',
    'EnrollmentResponse', 'EpisodeOfCare', 'EventDefinition', 'Evidence', 'EvidenceVariable',
    'ExampleScenario', 'ExplanationOfBenefit', 'FamilyMemberHistory', 'Flag', 'Goal',
    'GraphDefinition', 'Group', 'GuidanceResponse', 'HealthcareService', 'ImagingStudy',
    'Immunization', 'ImmunizationEvaluation', 'ImmunizationRecommendation', 'ImplementationGuide',
    'InsurancePlan', 'Invoice', 'Library', 'Linkage', 'List', 'Location', 'Measure',
    'MeasureReport', 'Media', 'Medication', 'MedicationAdministration', 'MedicationDispense',
    'MedicationKnowledge', 'MedicationRequest', 'MedicationStatement', 'MedicinalProduct',
    'MedicinalProductAuthorization', 'MedicinalProductContraindication',
    'MedicinalProductIndication', 'MedicinalProductIngredient', 'MedicinalProductInteraction',
    'MedicinalProductManufactured', 'MedicinalProductPackaged', 'MedicinalProductPharmaceutical',
    'MedicinalProductUndesirableEffect', 'MessageDefinition', 'MessageHeader', 'MolecularSequence',
    'NamingSystem', 'NutritionOrder', 'Observation', 'ObservationDefinition', 'OperationDefinition',
    'OperationOutcome', 'Organization', 'OrganizationAffiliation', 'Parameters', 'Patient',
    'PaymentNotice', 'PaymentReconciliation', 'Person', 'PlanDefinition', 'Practitioner',
    'PractitionerRole', 'Procedure', 'Provenance', 'Questionnaire', 'QuestionnaireResponse',
    'RelatedPerson', 'RequestGroup', 'ResearchDefinition', 'ResearchElementDefinition',
    'ResearchStudy', 'ResearchSubject', 'RiskAssessment', 'RiskEvidenceSynthesis', 'Schedule',
    'SearchParameter', 'ServiceRequest', 'Slot', 'Specimen', 'SpecimenDefinition',
    'StructureDefinition', 'StructureMap', 'Subscription', 'Substance', 'SubstanceNucleicAcid',
    'SubstancePolymer', 'SubstanceProtein', 'SubstanceReferenceInformation',
    'SubstanceSourceMaterial', 'SubstanceSpecification', 'SupplyDelivery', 'SupplyRequest', 'Task',
    'TerminologyCapabilities', 'TestReport', 'TestScript', 'ValueSet', 'VerificationResult',
    'VisionPrescription'
  ] LOOP
    EXECUTE format(
      'CREATE OR REPLACE VIEW fhir_views.%I WITH (security_invoker = true) AS '
      'SELECT tenant_id, id, version_id AS version, last_updated, resource FROM public.resource '
      'WHERE resource_type = %L AND NOT deleted', lower(t), t);
    EXECUTE format('ALTER VIEW fhir_views.%I OWNER TO fhir_owner', lower(t));
    EXECUTE format('REVOKE ALL ON fhir_views.%I FROM PUBLIC', lower(t));
    EXECUTE format('GRANT SELECT ON fhir_views.%I TO fhir_analyst, fhir_app', lower(t));
    EXECUTE format('COMMENT ON VIEW fhir_views.%I IS %L', lower(t), 'Current ' || t || ' resources of the tenant set (RLS of the caller applies)');
  END LOOP;
END $$;
--> statement-breakpoint
-- 3. fhir_analytics: views made from SQL on FHIR ViewDefinitions for SQL across tenants, owned
--    by fhir_owner. A plain view is security_invoker (analysts see every tenant, fhir_app would
--    see only its own) and is granted to fhir_analyst and fhir_app. A materialized view cannot be
--    security_invoker: its rows are computed once, with every tenant in them, so it is granted to
--    fhir_analyst only, never to fhir_app (a tenant's transaction would read other tenants' rows).
CREATE SCHEMA IF NOT EXISTS fhir_analytics AUTHORIZATION fhir_owner;
--> statement-breakpoint
REVOKE ALL ON SCHEMA fhir_analytics FROM PUBLIC;
--> statement-breakpoint
GRANT USAGE ON SCHEMA fhir_analytics TO fhir_analyst, fhir_app;
--> statement-breakpoint
-- The analytics views as operators see them.
CREATE OR REPLACE FUNCTION fhir_admin.list_analytics_views()
RETURNS TABLE (name text, materialized boolean, populated boolean, description text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
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
  SELECT c.relkind INTO kind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE n.nspname = 'fhir_analytics' AND c.relname = p_name AND c.relkind IN ('v', 'm');
  IF kind IS NULL THEN RETURN false; END IF;
  EXECUTE format('DROP %s fhir_analytics.%I', CASE kind WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE 'VIEW' END, p_name);
  RETURN true;
END $$;
--> statement-breakpoint
-- Recomputes a materialized view as its owner with the maintenance policy on, so it holds every
-- tenant's rows (the same rows fhir_analyst sees through the plain tables).
CREATE OR REPLACE FUNCTION fhir_admin.refresh_analytics_view(p_name text)
RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp SET fhir.maintenance = 'on'
AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                  WHERE n.nspname = 'fhir_analytics' AND c.relname = p_name AND c.relkind = 'm') THEN
    RETURN false;
  END IF;
  EXECUTE format('REFRESH MATERIALIZED VIEW fhir_analytics.%I', p_name);
  RETURN true;
END $$;
--> statement-breakpoint
-- (Re)creates fhir_analytics.<p_name> as SELECT * FROM (<p_query>). The query is text made by the
-- ViewDefinition compiler (src/analytics), but this function runs it as fhir_owner, so it trusts
-- nothing about it: only fhir_admin may call it, and
--   * the text must be one query: it is opened as a cursor first, which refuses several statements
--     (EXECUTE alone would run "...; drop table ..." too) and anything but a query;
--   * the view may read only relations fhir_analyst may read (so never a private table, nor the
--     registry of anything else) and call only built-in functions; else the creation is undone.
-- Materialized views are filled at once (see refresh_analytics_view).
CREATE OR REPLACE FUNCTION fhir_admin.create_analytics_view(
  p_name text, p_query text, p_materialized boolean DEFAULT false, p_description text DEFAULT NULL)
RETURNS TABLE (name text, materialized boolean, populated boolean, description text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp SET fhir.maintenance = 'on'
AS $$
DECLARE
  body text;
  probe refcursor;
  view_oid oid;
  bad text;
BEGIN
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
    EXECUTE format('GRANT SELECT ON fhir_analytics.%I TO fhir_analyst', p_name);
    EXECUTE format('REFRESH MATERIALIZED VIEW fhir_analytics.%I', p_name);
  ELSE
    EXECUTE format('GRANT SELECT ON fhir_analytics.%I TO fhir_analyst, fhir_app', p_name);
  END IF;
  IF p_description IS NOT NULL THEN
    EXECUTE format('COMMENT ON %s fhir_analytics.%I IS %L',
                   CASE WHEN p_materialized THEN 'MATERIALIZED VIEW' ELSE 'VIEW' END, p_name, p_description);
  END IF;
  RETURN QUERY SELECT * FROM fhir_admin.list_analytics_views() v WHERE v.name = p_name;
END $$;
--> statement-breakpoint
-- 4. Operators. One row per tenant: current resources, and rows and bytes (pg_column_size of
--    the rows) over every tenant table, private ones included. Reads every table: an admin
--    report, not something to poll.
CREATE OR REPLACE FUNCTION fhir_admin.list_tenant_usage()
RETURNS TABLE (id text, name text, status text, resources bigint, total_rows bigint, total_bytes bigint)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp SET fhir.maintenance = 'on'
AS $$
DECLARE
  t text;
  parts text[] := ARRAY[]::text[];
BEGIN
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
-- Search indexes are rebuilt by the server's code (src/fhir/repository/reindex.ts evaluates the
-- FHIRPath of the SearchParameters), which SQL cannot run. So SQL only records the request: one
-- row per tenant, drained by the server (drainReindexQueue), or do it at once with
-- `npm run reindex -- <tenant>` or POST /admin/tenants/<tenant>/$reindex.
CREATE TABLE IF NOT EXISTS fhir_admin.reindex_request (
  tenant_id text PRIMARY KEY REFERENCES public.tenant (id) ON DELETE CASCADE,
  requested_at timestamptz NOT NULL DEFAULT now(),
  started_at timestamptz,
  finished_at timestamptz,
  resources integer,
  error text
);
--> statement-breakpoint
ALTER TABLE fhir_admin.reindex_request OWNER TO fhir_owner;
--> statement-breakpoint
REVOKE ALL ON fhir_admin.reindex_request FROM PUBLIC;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION fhir_admin.request_reindex(p_tenant text)
RETURNS SETOF fhir_admin.reindex_request
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp SET fhir.maintenance = 'on'
AS $$
  INSERT INTO fhir_admin.reindex_request (tenant_id)
  SELECT id FROM public.tenant WHERE id = p_tenant
  ON CONFLICT (tenant_id) DO UPDATE
     SET requested_at = now(), started_at = NULL, finished_at = NULL, resources = NULL, error = NULL
  RETURNING *;
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION fhir_admin.list_reindex_requests()
RETURNS SETOF fhir_admin.reindex_request
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
AS $$ SELECT * FROM fhir_admin.reindex_request ORDER BY requested_at $$;
--> statement-breakpoint
-- The next pending request (or one whose worker died an hour ago), marked started; the row lock
-- (SKIP LOCKED) keeps two servers from taking the same one.
CREATE OR REPLACE FUNCTION fhir_admin.claim_reindex_request()
RETURNS SETOF fhir_admin.reindex_request
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp
AS $$
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
  UPDATE fhir_admin.reindex_request SET finished_at = now(), resources = p_resources, error = p_error
   WHERE tenant_id = p_tenant
  RETURNING *;
$$;
--> statement-breakpoint
-- Act as one tenant inside a psql transaction, with RLS on:
--   BEGIN; SELECT * FROM fhir_admin.as_tenant('acme'); SELECT count(*) FROM fhir_views.patient; ROLLBACK;
-- SECURITY INVOKER on purpose: a SECURITY DEFINER function cannot SET ROLE, and the switch must
-- outlive the call. Both settings are transaction-local, like the API's own first statement, so
-- the caller (a member of fhir_app and fhir_admin, or a superuser) is back to itself after COMMIT
-- or ROLLBACK. Outside a transaction block they end with the statement: a statement that began
-- with its transaction is warned (several statements sent in one query string share that start,
-- and there the settings do last to the end of the string, so it cannot be an error). psql sends
-- the simple protocol, where this holds; a driver's extended protocol may not be warned.
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
  PERFORM set_config('role', 'fhir_app', true), set_config('app.tenant_id', p_tenant, true);
  -- Read as fhir_app now: RLS shows the tenant's own registry row, proof the switch took.
  RETURN QUERY SELECT * FROM public.tenant;
END $$;
--> statement-breakpoint
DO $$
DECLARE f regprocedure;
BEGIN
  FOR f IN SELECT p.oid::regprocedure FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
            WHERE n.nspname = 'fhir_admin' LOOP
    EXECUTE format('ALTER FUNCTION %s OWNER TO fhir_owner', f);
    EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', f);
    EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO fhir_admin', f);
  END LOOP;
END $$;
