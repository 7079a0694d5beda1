-- Plans that do not depend on statistics (issue 12). A new tenant's tables may never have been
-- analyzed, and every tenant statement runs as a generic plan: the planner then estimates each
-- equality at a default 0.5%, so below some 40,000 rows any index whose leading columns match
-- two equalities is "one row", and it picked (tenant_id, resource_type, ...) indexes for key
-- lookups, reading a whole type per row (`_has:Observation:patient:code=` ran for minutes on
-- 1,600 resources). Lookups of one resource's rows now say only tenant_id and id inside an
-- OFFSET 0 fence (src/fhir/search/filter-sql.ts), and these indexes are the only ones whose
-- leading columns match both: no other index matches more than tenant_id, whatever the size.
CREATE INDEX IF NOT EXISTS "resource_id_idx" ON "resource" USING btree ("tenant_id", "id");
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "shared_resource_id_idx" ON "shared_resource" USING btree ("id");
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "search_string_id_idx" ON "search_string" USING btree ("tenant_id", "id");
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "shared_search_string_id_idx" ON "shared_search_string" USING btree ("id");
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "search_token_id_idx" ON "search_token" USING btree ("tenant_id", "id");
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "shared_search_token_id_idx" ON "shared_search_token" USING btree ("id");
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "search_reference_id_idx" ON "search_reference" USING btree ("tenant_id", "id");
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "shared_search_reference_id_idx" ON "shared_search_reference" USING btree ("id");
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "search_date_id_idx" ON "search_date" USING btree ("tenant_id", "id");
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "shared_search_date_id_idx" ON "shared_search_date" USING btree ("id");
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "search_number_id_idx" ON "search_number" USING btree ("tenant_id", "id");
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "shared_search_number_id_idx" ON "shared_search_number" USING btree ("id");
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "search_quantity_id_idx" ON "search_quantity" USING btree ("tenant_id", "id");
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "shared_search_quantity_id_idx" ON "shared_search_quantity" USING btree ("id");
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "search_uri_id_idx" ON "search_uri" USING btree ("tenant_id", "id");
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "shared_search_uri_id_idx" ON "shared_search_uri" USING btree ("id");
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "search_composite_id_idx" ON "search_composite" USING btree ("tenant_id", "id");
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "shared_search_composite_id_idx" ON "shared_search_composite" USING btree ("id");
--> statement-breakpoint
-- Statistics where nothing else keeps them (src/db/analyze.ts): PGlite has no autovacuum, and on
-- PostgreSQL a large transaction bundle should not wait for autovacuum's next round. fhir_app
-- owns no table, so it may not ANALYZE; this function may, for the resource and index tables
-- only, and at most once a table per 30 seconds whoever asks, so calling it in a loop cannot be
-- used to burn the server's CPU. Returns the tables it analyzed.
GRANT USAGE ON SCHEMA fhir_private TO fhir_owner;
--> statement-breakpoint
CREATE TABLE IF NOT EXISTS fhir_private.table_analyzed (
  table_name text PRIMARY KEY,
  analyzed_at timestamptz NOT NULL
);
--> statement-breakpoint
ALTER TABLE fhir_private.table_analyzed OWNER TO fhir_owner;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION fhir_private.analyze_tables(p_tables text[])
RETURNS text[]
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  t text;
  done text[] := '{}';
BEGIN
  FOR t IN SELECT DISTINCT x FROM unnest(p_tables) x WHERE x = ANY (ARRAY['resource', 'shared_resource', 'search_string', 'search_token', 'search_reference', 'search_date', 'search_number', 'search_quantity', 'search_uri', 'search_composite', 'shared_search_string', 'shared_search_token', 'shared_search_reference', 'shared_search_date', 'shared_search_number', 'shared_search_quantity', 'shared_search_uri', 'shared_search_composite']) ORDER BY 1 LOOP
    -- The row lock queues a concurrent caller behind this one, which then finds the table fresh.
    INSERT INTO fhir_private.table_analyzed AS a (table_name, analyzed_at) VALUES (t, clock_timestamp())
      ON CONFLICT (table_name) DO UPDATE SET analyzed_at = clock_timestamp()
      WHERE a.analyzed_at < clock_timestamp() - interval '30 seconds';
    IF FOUND THEN
      EXECUTE format('ANALYZE public.%I', t);
      done := done || t;
    END IF;
  END LOOP;
  RETURN done;
END $$;
--> statement-breakpoint
ALTER FUNCTION fhir_private.analyze_tables(text[]) OWNER TO fhir_owner;
--> statement-breakpoint
REVOKE ALL ON FUNCTION fhir_private.analyze_tables(text[]) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION fhir_private.analyze_tables(text[]) TO fhir_app;
