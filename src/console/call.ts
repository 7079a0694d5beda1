import type { Context } from 'hono';
import { FhirError } from '../core/errors.js';
import type { Caller } from '../admin/operation.js';
import type { Deps } from '../env.js';
import type { ConsoleEnv } from './env.js';

/** The operator as the admin operations see them: the same principal the API would have. */
export const caller = (c: Context<ConsoleEnv>, deps: Deps): Caller => ({ deps, principal: c.var.principal, origin: new URL(c.req.url).origin });

export type Attempt<T> = { ok: true; value: T } | { ok: false; error: string; status: 400 | 403 | 404 | 409 | 500 };

/** Runs an operation, turning its FhirError into a message for the page (anything else is logged, not shown). */
export async function attempt<T>(c: Context<ConsoleEnv>, fn: () => Promise<T>): Promise<Attempt<T>> {
  try {
    return { ok: true, value: await fn() };
  } catch (err) {
    if (err instanceof FhirError) {
      const status = err.status === 403 || err.status === 404 || err.status === 409 ? err.status : err.status >= 500 ? 500 : 400;
      return { ok: false, error: err.message, status };
    }
    c.var.log?.error({ err }, 'console action failed');
    return { ok: false, error: 'The server could not do this (see its log).', status: 500 };
  }
}
