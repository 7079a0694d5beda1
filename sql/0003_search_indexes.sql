CREATE TABLE "search_composite" (
	"tenant_id" text NOT NULL,
	"resource_type" text NOT NULL,
	"id" text NOT NULL,
	"code" text NOT NULL,
	"c1_system" text,
	"c1_value" text,
	"components" jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "search_date" (
	"tenant_id" text NOT NULL,
	"resource_type" text NOT NULL,
	"id" text NOT NULL,
	"code" text NOT NULL,
	"low" timestamp (3) with time zone NOT NULL,
	"high" timestamp (3) with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "search_number" (
	"tenant_id" text NOT NULL,
	"resource_type" text NOT NULL,
	"id" text NOT NULL,
	"code" text NOT NULL,
	"value" double precision NOT NULL,
	"low" double precision NOT NULL,
	"high" double precision NOT NULL
);
--> statement-breakpoint
CREATE TABLE "search_quantity" (
	"tenant_id" text NOT NULL,
	"resource_type" text NOT NULL,
	"id" text NOT NULL,
	"code" text NOT NULL,
	"value" double precision,
	"low" double precision,
	"high" double precision,
	"system" text,
	"unit" text
);
--> statement-breakpoint
CREATE TABLE "search_reference" (
	"tenant_id" text NOT NULL,
	"resource_type" text NOT NULL,
	"id" text NOT NULL,
	"code" text NOT NULL,
	"target_type" text,
	"target_id" text,
	"url" text,
	"identifier_system" text,
	"identifier_value" text
);
--> statement-breakpoint
CREATE TABLE "search_string" (
	"tenant_id" text NOT NULL,
	"resource_type" text NOT NULL,
	"id" text NOT NULL,
	"code" text NOT NULL,
	"value" text NOT NULL,
	"exact" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "search_token" (
	"tenant_id" text NOT NULL,
	"resource_type" text NOT NULL,
	"id" text NOT NULL,
	"code" text NOT NULL,
	"system" text,
	"value" text,
	"display" text,
	"type_system" text,
	"type_code" text
);
--> statement-breakpoint
CREATE TABLE "search_uri" (
	"tenant_id" text NOT NULL,
	"resource_type" text NOT NULL,
	"id" text NOT NULL,
	"code" text NOT NULL,
	"value" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "shared_search_composite" (
	"resource_type" text NOT NULL,
	"id" text NOT NULL,
	"code" text NOT NULL,
	"c1_system" text,
	"c1_value" text,
	"components" jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "shared_search_date" (
	"resource_type" text NOT NULL,
	"id" text NOT NULL,
	"code" text NOT NULL,
	"low" timestamp (3) with time zone NOT NULL,
	"high" timestamp (3) with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "shared_search_number" (
	"resource_type" text NOT NULL,
	"id" text NOT NULL,
	"code" text NOT NULL,
	"value" double precision NOT NULL,
	"low" double precision NOT NULL,
	"high" double precision NOT NULL
);
--> statement-breakpoint
CREATE TABLE "shared_search_quantity" (
	"resource_type" text NOT NULL,
	"id" text NOT NULL,
	"code" text NOT NULL,
	"value" double precision,
	"low" double precision,
	"high" double precision,
	"system" text,
	"unit" text
);
--> statement-breakpoint
CREATE TABLE "shared_search_reference" (
	"resource_type" text NOT NULL,
	"id" text NOT NULL,
	"code" text NOT NULL,
	"target_type" text,
	"target_id" text,
	"url" text,
	"identifier_system" text,
	"identifier_value" text
);
--> statement-breakpoint
CREATE TABLE "shared_search_string" (
	"resource_type" text NOT NULL,
	"id" text NOT NULL,
	"code" text NOT NULL,
	"value" text NOT NULL,
	"exact" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "shared_search_token" (
	"resource_type" text NOT NULL,
	"id" text NOT NULL,
	"code" text NOT NULL,
	"system" text,
	"value" text,
	"display" text,
	"type_system" text,
	"type_code" text
);
--> statement-breakpoint
CREATE TABLE "shared_search_uri" (
	"resource_type" text NOT NULL,
	"id" text NOT NULL,
	"code" text NOT NULL,
	"value" text NOT NULL
);
--> statement-breakpoint
CREATE INDEX "search_composite_resource_idx" ON "search_composite" USING btree ("tenant_id","resource_type","id");--> statement-breakpoint
CREATE INDEX "search_composite_c1_idx" ON "search_composite" USING btree ("tenant_id","resource_type","code","c1_value");--> statement-breakpoint
CREATE INDEX "search_date_resource_idx" ON "search_date" USING btree ("tenant_id","resource_type","id");--> statement-breakpoint
CREATE INDEX "search_date_low_idx" ON "search_date" USING btree ("tenant_id","resource_type","code","low");--> statement-breakpoint
CREATE INDEX "search_date_high_idx" ON "search_date" USING btree ("tenant_id","resource_type","code","high");--> statement-breakpoint
CREATE INDEX "search_number_resource_idx" ON "search_number" USING btree ("tenant_id","resource_type","id");--> statement-breakpoint
CREATE INDEX "search_number_value_idx" ON "search_number" USING btree ("tenant_id","resource_type","code","low","high");--> statement-breakpoint
CREATE INDEX "search_quantity_resource_idx" ON "search_quantity" USING btree ("tenant_id","resource_type","id");--> statement-breakpoint
CREATE INDEX "search_quantity_value_idx" ON "search_quantity" USING btree ("tenant_id","resource_type","code","low","high");--> statement-breakpoint
CREATE INDEX "search_reference_resource_idx" ON "search_reference" USING btree ("tenant_id","resource_type","id");--> statement-breakpoint
CREATE INDEX "search_reference_target_idx" ON "search_reference" USING btree ("tenant_id","resource_type","code","target_id","target_type");--> statement-breakpoint
CREATE INDEX "search_reference_reverse_idx" ON "search_reference" USING btree ("tenant_id","target_type","target_id","resource_type","code");--> statement-breakpoint
CREATE INDEX "search_string_resource_idx" ON "search_string" USING btree ("tenant_id","resource_type","id");--> statement-breakpoint
CREATE INDEX "search_string_value_idx" ON "search_string" USING btree ("tenant_id","resource_type","code","value");--> statement-breakpoint
CREATE INDEX "search_token_resource_idx" ON "search_token" USING btree ("tenant_id","resource_type","id");--> statement-breakpoint
CREATE INDEX "search_token_value_idx" ON "search_token" USING btree ("tenant_id","resource_type","code","value","system");--> statement-breakpoint
CREATE INDEX "search_uri_resource_idx" ON "search_uri" USING btree ("tenant_id","resource_type","id");--> statement-breakpoint
CREATE INDEX "search_uri_value_idx" ON "search_uri" USING btree ("tenant_id","resource_type","code","value");--> statement-breakpoint
CREATE INDEX "shared_search_composite_resource_idx" ON "shared_search_composite" USING btree ("resource_type","id");--> statement-breakpoint
CREATE INDEX "shared_search_composite_c1_idx" ON "shared_search_composite" USING btree ("resource_type","code","c1_value");--> statement-breakpoint
CREATE INDEX "shared_search_date_resource_idx" ON "shared_search_date" USING btree ("resource_type","id");--> statement-breakpoint
CREATE INDEX "shared_search_date_low_idx" ON "shared_search_date" USING btree ("resource_type","code","low");--> statement-breakpoint
CREATE INDEX "shared_search_date_high_idx" ON "shared_search_date" USING btree ("resource_type","code","high");--> statement-breakpoint
CREATE INDEX "shared_search_number_resource_idx" ON "shared_search_number" USING btree ("resource_type","id");--> statement-breakpoint
CREATE INDEX "shared_search_number_value_idx" ON "shared_search_number" USING btree ("resource_type","code","low","high");--> statement-breakpoint
CREATE INDEX "shared_search_quantity_resource_idx" ON "shared_search_quantity" USING btree ("resource_type","id");--> statement-breakpoint
CREATE INDEX "shared_search_quantity_value_idx" ON "shared_search_quantity" USING btree ("resource_type","code","low","high");--> statement-breakpoint
CREATE INDEX "shared_search_reference_resource_idx" ON "shared_search_reference" USING btree ("resource_type","id");--> statement-breakpoint
CREATE INDEX "shared_search_reference_target_idx" ON "shared_search_reference" USING btree ("resource_type","code","target_id","target_type");--> statement-breakpoint
CREATE INDEX "shared_search_reference_reverse_idx" ON "shared_search_reference" USING btree ("target_type","target_id","resource_type","code");--> statement-breakpoint
CREATE INDEX "shared_search_string_resource_idx" ON "shared_search_string" USING btree ("resource_type","id");--> statement-breakpoint
CREATE INDEX "shared_search_string_value_idx" ON "shared_search_string" USING btree ("resource_type","code","value");--> statement-breakpoint
CREATE INDEX "shared_search_token_resource_idx" ON "shared_search_token" USING btree ("resource_type","id");--> statement-breakpoint
CREATE INDEX "shared_search_token_value_idx" ON "shared_search_token" USING btree ("resource_type","code","value","system");--> statement-breakpoint
CREATE INDEX "shared_search_uri_resource_idx" ON "shared_search_uri" USING btree ("resource_type","id");--> statement-breakpoint
CREATE INDEX "shared_search_uri_value_idx" ON "shared_search_uri" USING btree ("resource_type","code","value");