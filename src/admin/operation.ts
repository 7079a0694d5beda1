import { Hono, type Context } from 'hono';
import type { Principal } from '../auth/principal.js';
import type { AppEnv, Deps } from '../env.js';
import type { Tx } from '../db/database.js';
import { withAdmin } from '../db/doors.js';
import { requireAdmin } from '../http/auth.js';
import { parseFields, type Input, type JsonSchema, type Parsed } from './input.js';

/*
 * An admin operation is declared once: method, path, summary, the validators of its path, query
 * and body (which carry their JSON Schema), and what it does. From that one declaration come the
 * Hono route (`mount`), the OpenAPI document (openapi.ts) and the console's call (`invoke`), so
 * the API, its description and the console cannot disagree.
 */

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
type Shape = Record<string, Input<unknown>>;

/** Who runs an operation: the admin principal (its clientId is the audit log's actor). */
export interface Caller {
  deps: Deps;
  principal: Principal;
  /** The origin the request came in on, for Location headers. */
  origin: string;
}

/** The admin door for an operation: the fhir_admin functions record the caller in the audit log (sql/0014). */
export const asAdmin = <T>(call: Caller, fn: (tx: Tx) => Promise<T>): Promise<T> => withAdmin(call.deps.db, fn, call.principal.clientId);

export interface Success {
  status: number;
  description: string;
  schema?: JsonSchema;
  /** Defaults to application/json; none for 204. */
  mediaType?: string;
}

interface Spec<P extends Shape, Q extends Shape, B, R> {
  method: Method;
  /** Hono syntax (`/tenants/:id`), relative to the mount point. */
  path: string;
  summary: string;
  tag: string;
  params?: P;
  query?: Q;
  body?: Input<B>;
  success: Success;
  run(call: Caller, input: { params: Parsed<P>; query: Parsed<Q>; body: B }): Promise<R>;
  /** The HTTP answer, when it is more than JSON with the success status. */
  reply?(c: Context<AppEnv>, result: R, call: Caller): Response | Promise<Response>;
}

/** The raw input of a call: strings from a URL or a form, a parsed JSON body. */
export interface RawInput {
  params?: Record<string, unknown>;
  query?: Record<string, unknown>;
  body?: unknown;
}

/** What the table, the mount and the OpenAPI document see of an operation. */
export interface Route {
  method: Method;
  path: string;
  summary: string;
  tag: string;
  params: Shape;
  query: Shape;
  body: Input<unknown> | undefined;
  success: Success;
  handle(c: Context<AppEnv>, deps: Deps): Promise<Response>;
}

export interface Operation<R> extends Route {
  /** Parses the raw input with the route's validators (400 FhirError naming the field) and runs it. */
  invoke(call: Caller, raw: RawInput): Promise<R>;
}

export function operation<P extends Shape = Record<never, never>, Q extends Shape = Record<never, never>, B = undefined, R = unknown>(
  spec: Spec<P, Q, B, R>,
): Operation<R> {
  const params = spec.params ?? ({} as P);
  const query = spec.query ?? ({} as Q);
  const invoke = (call: Caller, raw: RawInput) => spec.run(call, {
    params: parseFields(params, raw.params ?? {}),
    query: parseFields(query, raw.query ?? {}),
    // Without a body validator the operation takes no body: B is then undefined by its default.
    body: (spec.body ? spec.body.parse(raw.body, 'body') : undefined) as B,
  });
  return {
    method: spec.method, path: spec.path, summary: spec.summary, tag: spec.tag, params, query, body: spec.body, success: spec.success,
    invoke,
    async handle(c, deps) {
      const call: Caller = { deps, principal: c.var.principal, origin: new URL(c.req.url).origin };
      const result = await invoke(call, { params: c.req.param(), query: c.req.query(), body: c.var.body });
      if (spec.reply) return spec.reply(c, result, call);
      if (spec.success.status === 204) return c.body(null, 204);
      return c.json(result, spec.success.status === 201 ? 201 : 200);
    },
  };
}

/** The Hono app of a table of operations, behind the admin check. */
export function mount(deps: Deps, routes: readonly Route[]): Hono<AppEnv> {
  const app = new Hono<AppEnv>({ strict: false });
  app.use('*', requireAdmin(deps.config));
  for (const r of routes) app.on(r.method.toUpperCase(), r.path, (c) => r.handle(c, deps));
  return app;
}
