-- Index-only key lookups for chains and _has (issue 15, search at 100,000 resources): a walk
-- reads a few columns of many reference rows, and `_has:Observation:patient:code=` read every
-- matching Observation's reference rows from the heap (4 pages each). The key columns stay as
-- they were, so the fenced lookups of sql/0015 pick the same index whatever the statistics; the
-- INCLUDEd columns only spare the heap visit. Not on a value index whose rows are looked up by
-- (tenant_id, id) elsewhere: given `id` as an included column, search_token_value_idx became an
-- index-only way to answer the fenced `tenant_id = $1 and id = $2` (tenant_id its only key
-- match) and, in a small analyzed tenant (tenant_id matching every row), won over
-- search_token_id_idx on cost: 49 ms instead of 13 for a code+date search of a 280-resource
-- tenant (bench:noisy-plans), so it keeps its columns.
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
