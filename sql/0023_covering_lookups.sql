-- Index-only key lookups for chains, _has and token drivers (issue 15, search at 100,000
-- resources). Each walk reads a few columns of many index rows: `_has:Observation:patient:code=`
-- read every matching Observation's reference rows from the heap (4 pages each) and each
-- token row for its id. The key columns stay as they were, so the fenced lookups of sql/0015
-- pick the same index whatever the statistics; the INCLUDEd columns only spare the heap visit.
-- The indexes are rebuilt (writes to these tables wait for it on a large database).
DROP INDEX IF EXISTS "search_reference_id_idx";
--> statement-breakpoint
CREATE INDEX "search_reference_id_idx" ON "search_reference" USING btree ("tenant_id", "id") INCLUDE ("resource_type", "code", "target_type", "target_id");
--> statement-breakpoint
DROP INDEX IF EXISTS "shared_search_reference_id_idx";
--> statement-breakpoint
CREATE INDEX "shared_search_reference_id_idx" ON "shared_search_reference" USING btree ("id") INCLUDE ("resource_type", "code", "target_type", "target_id");
--> statement-breakpoint
DROP INDEX IF EXISTS "search_reference_reverse_idx";
--> statement-breakpoint
CREATE INDEX "search_reference_reverse_idx" ON "search_reference" USING btree ("tenant_id", "target_type", "target_id", "resource_type", "code") INCLUDE ("id");
--> statement-breakpoint
DROP INDEX IF EXISTS "shared_search_reference_reverse_idx";
--> statement-breakpoint
CREATE INDEX "shared_search_reference_reverse_idx" ON "shared_search_reference" USING btree ("target_type", "target_id", "resource_type", "code") INCLUDE ("id");
--> statement-breakpoint
DROP INDEX IF EXISTS "search_token_value_idx";
--> statement-breakpoint
CREATE INDEX "search_token_value_idx" ON "search_token" USING btree ("tenant_id", "resource_type", "code", "value", "system") INCLUDE ("id");
--> statement-breakpoint
DROP INDEX IF EXISTS "shared_search_token_value_idx";
--> statement-breakpoint
CREATE INDEX "shared_search_token_value_idx" ON "shared_search_token" USING btree ("resource_type", "code", "value", "system") INCLUDE ("id");
