CREATE TABLE "access_policy" (
	"id" text PRIMARY KEY NOT NULL,
	"client" text NOT NULL,
	"tenant" text NOT NULL,
	"policy" jsonb NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "access_policy_id_format" CHECK ("access_policy"."id" ~ '^[A-Za-z0-9.-]{1,64}$'),
	CONSTRAINT "access_policy_tenant_format" CHECK ("access_policy"."tenant" = '*' or "access_policy"."tenant" ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
	CONSTRAINT "access_policy_rules" CHECK (jsonb_typeof("access_policy"."policy" -> 'rules') = 'array')
);
--> statement-breakpoint
CREATE TABLE "audit_log" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"tenant" text,
	"client" text,
	"action" text NOT NULL,
	"outcome" text NOT NULL,
	"detail" text
);
--> statement-breakpoint
CREATE INDEX "audit_log_tenant_at_idx" ON "audit_log" USING btree ("tenant","at");--> statement-breakpoint
CREATE INDEX "audit_log_at_idx" ON "audit_log" USING btree ("at");