/*
 * Where a job's status and files are, on the base the kick-off came in on (so the same tenant,
 * and the same way of naming it: /tenants/{t}/fhir, or /fhir with X-Tenant-ID or the token).
 * Both are system-level operations of that base, with the job (and file) in the query, as
 * HAPI FHIR names its status endpoint.
 */

export const STATUS_OPERATION = '$export-poll-status';
export const FILE_OPERATION = '$export-file';

export function statusUrl(base: string, jobId: string): string {
  return `${base}/${STATUS_OPERATION}?_jobId=${jobId}`;
}

export function fileUrl(base: string, jobId: string, file: string): string {
  return `${base}/${FILE_OPERATION}?_jobId=${jobId}&_file=${encodeURIComponent(file)}`;
}
