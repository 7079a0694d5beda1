import type { AppEnv, Deps } from '../env.js';
import type { ConsoleSession } from './session.js';

/** The console's context: the app's, plus the operator's session (set by guard.ts on every page but login). */
export interface ConsoleEnv {
  Bindings: AppEnv['Bindings'];
  Variables: AppEnv['Variables'] & { session: ConsoleSession; form: Record<string, FormValue> };
}

export type FormValue = string | File | (string | File)[];

/** The FHIR core as the console reaches it: a request through the whole app, with the operator's credential. */
export type AppFetch = (request: Request) => Promise<Response>;

export interface ConsoleDeps {
  deps: Deps;
  fetch: AppFetch;
}
