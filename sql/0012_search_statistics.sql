-- Extended statistics on the columns searches combine. Without them the planner multiplies the
-- selectivities of tenant_id, code and value as if independent, estimates one row everywhere
-- once many tenants share the tables, and may start a search from the wrong index: measured on
-- the noisy-neighbour benchmark, a small tenant's Observation search went from 0.37 ms to 2.7 ms
-- when 100 other tenants were loaded (bench/results/noisy-plans.txt); with these statistics
-- added by hand it was back to 0.37 ms.
CREATE STATISTICS IF NOT EXISTS search_reference_target_stats (ndistinct, dependencies) ON tenant_id, target_type, target_id FROM search_reference;
--> statement-breakpoint
CREATE STATISTICS IF NOT EXISTS search_token_value_stats (ndistinct, dependencies) ON tenant_id, code, value, system FROM search_token;
--> statement-breakpoint
CREATE STATISTICS IF NOT EXISTS search_date_stats (ndistinct, dependencies) ON tenant_id, resource_type, code FROM search_date;
--> statement-breakpoint
CREATE STATISTICS IF NOT EXISTS search_string_stats (ndistinct, dependencies) ON tenant_id, resource_type, code FROM search_string;
