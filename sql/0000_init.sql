CREATE TABLE "tenant" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"status" text DEFAULT 'active' NOT NULL,
	"config" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "tenant_id_format" CHECK ("tenant"."id" ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
	CONSTRAINT "tenant_status_values" CHECK ("tenant"."status" in ('active', 'suspended'))
);
--> statement-breakpoint
CREATE TABLE "resource" (
	"tenant_id" text NOT NULL,
	"resource_type" text NOT NULL,
	"id" text NOT NULL,
	"version_id" integer NOT NULL,
	"last_updated" timestamp (3) with time zone NOT NULL,
	"deleted" boolean DEFAULT false NOT NULL,
	"resource" jsonb,
	CONSTRAINT "resource_tenant_id_resource_type_id_pk" PRIMARY KEY("tenant_id","resource_type","id"),
	CONSTRAINT "resource_body" CHECK ((deleted and resource is null) or (not deleted and resource is not null))
);
--> statement-breakpoint
CREATE TABLE "resource_history" (
	"tenant_id" text NOT NULL,
	"resource_type" text NOT NULL,
	"id" text NOT NULL,
	"version_id" integer NOT NULL,
	"last_updated" timestamp (3) with time zone NOT NULL,
	"deleted" boolean DEFAULT false NOT NULL,
	"resource" jsonb,
	CONSTRAINT "resource_history_tenant_id_resource_type_id_version_id_pk" PRIMARY KEY("tenant_id","resource_type","id","version_id"),
	CONSTRAINT "resource_history_body" CHECK ((deleted and resource is null) or (not deleted and resource is not null))
);
--> statement-breakpoint
CREATE TABLE "shared_resource" (
	"resource_type" text NOT NULL,
	"id" text NOT NULL,
	"version_id" integer NOT NULL,
	"last_updated" timestamp (3) with time zone NOT NULL,
	"deleted" boolean DEFAULT false NOT NULL,
	"resource" jsonb,
	CONSTRAINT "shared_resource_resource_type_id_pk" PRIMARY KEY("resource_type","id"),
	CONSTRAINT "shared_resource_body" CHECK ((deleted and resource is null) or (not deleted and resource is not null))
);
--> statement-breakpoint
CREATE TABLE "shared_resource_history" (
	"resource_type" text NOT NULL,
	"id" text NOT NULL,
	"version_id" integer NOT NULL,
	"last_updated" timestamp (3) with time zone NOT NULL,
	"deleted" boolean DEFAULT false NOT NULL,
	"resource" jsonb,
	CONSTRAINT "shared_resource_history_resource_type_id_version_id_pk" PRIMARY KEY("resource_type","id","version_id"),
	CONSTRAINT "shared_resource_history_body" CHECK ((deleted and resource is null) or (not deleted and resource is not null))
);
--> statement-breakpoint
CREATE INDEX "resource_type_updated_idx" ON "resource" USING btree ("tenant_id","resource_type","last_updated","id");--> statement-breakpoint
CREATE INDEX "resource_history_updated_idx" ON "resource_history" USING btree ("tenant_id","last_updated");--> statement-breakpoint
CREATE INDEX "resource_history_type_updated_idx" ON "resource_history" USING btree ("tenant_id","resource_type","last_updated");--> statement-breakpoint
CREATE INDEX "shared_resource_type_updated_idx" ON "shared_resource" USING btree ("resource_type","last_updated","id");--> statement-breakpoint
CREATE INDEX "shared_resource_history_updated_idx" ON "shared_resource_history" USING btree ("last_updated");--> statement-breakpoint
CREATE INDEX "shared_resource_history_type_updated_idx" ON "shared_resource_history" USING btree ("resource_type","last_updated");