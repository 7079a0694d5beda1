-- UCUM quantities in canonical units (issue 14, terminology): an index row of a quantity in a
-- UCUM unit also holds its value, range and unit in the base units (src/fhir/terminology/ucum.ts),
-- so `value-quantity=5.4|http://unitsofmeasure.org|mg` finds a stored 5400 ug. Rows written
-- before this migration have nulls here until `npm run reindex`. double precision (not numeric):
-- its btree operators are leakproof, so the index serves under RLS like the other columns.
ALTER TABLE "search_quantity" ADD COLUMN IF NOT EXISTS "canonical_value" double precision;
--> statement-breakpoint
ALTER TABLE "search_quantity" ADD COLUMN IF NOT EXISTS "canonical_low" double precision;
--> statement-breakpoint
ALTER TABLE "search_quantity" ADD COLUMN IF NOT EXISTS "canonical_high" double precision;
--> statement-breakpoint
ALTER TABLE "search_quantity" ADD COLUMN IF NOT EXISTS "canonical_unit" text;
--> statement-breakpoint
ALTER TABLE "shared_search_quantity" ADD COLUMN IF NOT EXISTS "canonical_value" double precision;
--> statement-breakpoint
ALTER TABLE "shared_search_quantity" ADD COLUMN IF NOT EXISTS "canonical_low" double precision;
--> statement-breakpoint
ALTER TABLE "shared_search_quantity" ADD COLUMN IF NOT EXISTS "canonical_high" double precision;
--> statement-breakpoint
ALTER TABLE "shared_search_quantity" ADD COLUMN IF NOT EXISTS "canonical_unit" text;
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "search_quantity_canonical_idx" ON "search_quantity" USING btree ("tenant_id", "resource_type", "code", "canonical_unit", "canonical_value");
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "shared_search_quantity_canonical_idx" ON "shared_search_quantity" USING btree ("resource_type", "code", "canonical_unit", "canonical_value");
