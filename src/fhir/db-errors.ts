import { sqlState } from '../db/database.js';
import { TooManyBindValues } from '../db/sql.js';
import { FhirError } from '../core/errors.js';

// Database states a client can act on: retry, or fix the request. Everything else is ours: 500.
export function fromDatabase(err: unknown): FhirError | undefined {
  if (err instanceof TooManyBindValues) return new FhirError(400, 'too-costly', err.message);
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
