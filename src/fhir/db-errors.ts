import { sqlState } from '../db/database.js';
import { TooManyBindValues } from '../db/sql.js';
import { FhirError } from '../core/errors.js';

const AUTH_FAILED = 'The database refused the server\'s login: authentication failed (check the password and user of DATABASE_URL)';

/**
 * The server's own login was refused: a wrong password (28P01), no pg_hba entry or a context key
 * the database does not know (28000), or postgres.js giving up on the server's SCRAM signature.
 * Not the client's fault and not a bug: 503, until an operator fixes the configuration.
 */
export function isAuthFailure(err: unknown): boolean {
  const state = sqlState(err);
  if (state === '28P01' || state === '28000') return true;
  return typeof err === 'object' && err !== null && 'code' in err && err.code === 'SASL_SIGNATURE_MISMATCH';
}

/** The /readyz diagnostics: which of the two reasons the database cannot be used. */
export function unavailableReason(err: unknown): string {
  return isAuthFailure(err) ? AUTH_FAILED : 'The database is not reachable';
}

// Database states a client can act on: retry, or fix the request. Everything else is ours: 500.
export function fromDatabase(err: unknown): FhirError | undefined {
  if (err instanceof TooManyBindValues) return new FhirError(400, 'too-costly', err.message);
  if (isAuthFailure(err)) return new FhirError(503, 'security', AUTH_FAILED);
  const state = sqlState(err);
  if (state === '23505') return FhirError.conflict('The resource was changed or created concurrently; retry');
  if (state === '40001' || state === '40P01') return FhirError.conflict('Concurrent update; retry');
  if (state === '57014') return new FhirError(503, 'timeout', 'The request took too long and was cancelled');
  // Retry-After: the pool was busy or the server away; either is worth a retry shortly.
  const retry = { headers: { 'Retry-After': '1' } };
  if (state?.startsWith('08') || state === '57P01' || state === '57P03' || state === '53300') {
    return new FhirError(503, 'transient', 'The database is unavailable; retry later', retry);
  }
  const code = typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : '';
  if (['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'CONNECTION_CLOSED', 'CONNECTION_ENDED', 'CONNECTION_DESTROYED', 'CONNECT_TIMEOUT'].includes(code)) {
    return new FhirError(503, 'transient', 'The database is unavailable; retry later', retry);
  }
  return undefined;
}
