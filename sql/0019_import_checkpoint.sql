-- Issue 15 (3): bulk import (npm run import, $import) is resumable. Each input (a file of the CLI,
-- an input of an $import job) keeps here how far its committed batches reached; the row is
-- written in the same transaction as the batch it describes, so after a crash a rerun starts
-- right after the last batch that landed: nothing twice, nothing lost. A tenant table like the
-- others (secure_tables: RLS ENABLE + FORCE on the keyed tenant context, fhir_app may read and
-- write its own tenant's rows); private: the analyst role does not read it.
CREATE TABLE IF NOT EXISTS "import_checkpoint" (
  "tenant_id" text NOT NULL,
  "source" text NOT NULL,
  "position" bigint NOT NULL,
  "written" bigint NOT NULL DEFAULT 0,
  "failed" bigint NOT NULL DEFAULT 0,
  "done" boolean NOT NULL DEFAULT false,
  "updated_at" timestamp (3) with time zone NOT NULL DEFAULT now(),
  CONSTRAINT "import_checkpoint_pkey" PRIMARY KEY ("tenant_id", "source")
);
--> statement-breakpoint
COMMENT ON TABLE "import_checkpoint" IS 'fhir:private bulk import progress per input (src/bulk/checkpoint.ts)';
--> statement-breakpoint
-- The NDJSON an $import job reads (uploaded with the kick-off, or fetched from an allowed URL by
-- its first steps), in chunks of at most one batch of lines, so each step of the job reads one
-- row instead of the whole input again. A step deletes the chunk it wrote, cancelling deletes the
-- rest. No foreign key to bulk_job, like bulk_file (sql/0018: the catalog-driven isolation test
-- writes every tenant table with sample values).
CREATE TABLE IF NOT EXISTS "import_chunk" (
  "tenant_id" text NOT NULL,
  "job_id" uuid NOT NULL,
  "seq" integer NOT NULL,
  -- Which input of the job (its place in the kick-off), and the line number of the chunk's first line there.
  "input" integer NOT NULL,
  "first_line" integer NOT NULL,
  "ndjson" text NOT NULL,
  CONSTRAINT "import_chunk_pkey" PRIMARY KEY ("tenant_id", "job_id", "seq")
);
--> statement-breakpoint
COMMENT ON TABLE "import_chunk" IS 'fhir:private the input of $import jobs (src/bulk/import-job.ts)';
--> statement-breakpoint
CALL fhir_private.secure_tables();
--> statement-breakpoint
CALL fhir_private.hide_statistics();
