-- Issue 14 item 5: background jobs of the Bulk Data API ($export; $import runs on the same runner).
-- A job and the files it writes are tenant rows like any other (RLS ENABLE + FORCE on the keyed
-- tenant context, by secure_tables()), so a status URL or file of another tenant is simply not
-- there, on both backends. The files live in the database for the same reason: no second store
-- whose isolation would have to be kept by hand.
CREATE TABLE IF NOT EXISTS bulk_job (
  tenant_id text NOT NULL,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  -- kind: export | import; status: queued | running | completed | failed | cancelled
  -- (src/bulk/jobs.ts, the only writer). No CHECK and no foreign key: the catalog-driven
  -- isolation test (test/db/rls.test.ts) writes every tenant table with sample values, and the
  -- code deletes a job's files itself.
  kind text NOT NULL,
  status text NOT NULL DEFAULT 'queued',
  -- What was asked (kind-specific), and how far the job got: written with each chunk it commits.
  request jsonb NOT NULL,
  progress jsonb NOT NULL DEFAULT '{}',
  -- The kick-off, to the millisecond like last_updated: what the manifest's transactionTime says.
  transaction_time timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now()),
  -- An OperationOutcome when the job failed.
  error jsonb,
  -- Consecutive transient failures (retried), reset by a chunk that commits.
  attempts integer NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  -- Set when the job ends; past it the job and its files are deleted.
  expires_at timestamptz,
  PRIMARY KEY (tenant_id, id)
);
--> statement-breakpoint
-- One part of an output (or error) file: a file is its parts in seq order, so a chunk appends a
-- row instead of rewriting a growing value.
CREATE TABLE IF NOT EXISTS bulk_file (
  tenant_id text NOT NULL,
  job_id uuid NOT NULL,
  seq integer NOT NULL,
  -- output | error
  kind text NOT NULL,
  type text NOT NULL,
  file text NOT NULL,
  ndjson text NOT NULL,
  count integer NOT NULL,
  PRIMARY KEY (tenant_id, job_id, seq)
);
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS bulk_file_file_idx ON bulk_file (tenant_id, job_id, file, seq);
--> statement-breakpoint
-- Kept from fhir_analyst: a job's request and files are the API client's, not analytics data.
COMMENT ON TABLE bulk_job IS 'fhir:private: Bulk Data jobs';
--> statement-breakpoint
COMMENT ON TABLE bulk_file IS 'fhir:private: Bulk Data files';
--> statement-breakpoint
CALL fhir_private.secure_tables();
--> statement-breakpoint
CALL fhir_private.hide_statistics();
--> statement-breakpoint
-- How the runner finds work without reading any tenant's rows (a scan of bulk_job, which holds
-- only the jobs of the last BULK_FILE_TTL_SECONDS; every index of a tenant table leads with
-- tenant_id, so none orders jobs across tenants): in an admin context (the key) it
-- gets only (tenant, job) pairs, the jobs to run (queued or running, of the kinds it runs, of
-- active tenants, least recently advanced first) and the jobs past their expiry; it then runs or deletes each through
-- the tenant's own door, as fhir_app under RLS.
CREATE OR REPLACE FUNCTION fhir_admin.bulk_jobs_due(p_limit integer, p_kinds text[])
RETURNS TABLE (tenant_id text, job_id uuid, expired boolean)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp SET fhir.maintenance = 'on'
AS $$
  SELECT fhir_private.require_admin();
  (SELECT j.tenant_id, j.id, true FROM public.bulk_job j
    WHERE j.expires_at IS NOT NULL AND j.expires_at < now()
    ORDER BY j.expires_at LIMIT least(greatest(p_limit, 1), 1000))
  UNION ALL
  (SELECT j.tenant_id, j.id, false FROM public.bulk_job j JOIN public.tenant t ON t.id = j.tenant_id
    WHERE j.status IN ('queued', 'running') AND j.kind = ANY (p_kinds) AND t.status = 'active'
    ORDER BY j.updated_at LIMIT least(greatest(p_limit, 1), 1000))
$$;
--> statement-breakpoint
ALTER FUNCTION fhir_admin.bulk_jobs_due(integer, text[]) OWNER TO fhir_owner;
--> statement-breakpoint
REVOKE ALL ON FUNCTION fhir_admin.bulk_jobs_due(integer, text[]) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION fhir_admin.bulk_jobs_due(integer, text[]) TO fhir_admin, fhir_app;
