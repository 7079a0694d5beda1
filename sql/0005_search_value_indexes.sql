DROP INDEX "search_number_value_idx";--> statement-breakpoint
DROP INDEX "search_quantity_value_idx";--> statement-breakpoint
DROP INDEX "shared_search_number_value_idx";--> statement-breakpoint
DROP INDEX "shared_search_quantity_value_idx";--> statement-breakpoint
CREATE INDEX "search_number_value_idx" ON "search_number" USING btree ("tenant_id","resource_type","code","value");--> statement-breakpoint
CREATE INDEX "search_quantity_value_idx" ON "search_quantity" USING btree ("tenant_id","resource_type","code","value");--> statement-breakpoint
CREATE INDEX "shared_search_number_value_idx" ON "shared_search_number" USING btree ("resource_type","code","value");--> statement-breakpoint
CREATE INDEX "shared_search_quantity_value_idx" ON "shared_search_quantity" USING btree ("resource_type","code","value");