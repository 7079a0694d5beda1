import type { Scope } from '../core/scope.js';
import type { Tx } from '../db/database.js';
import type { Deps } from '../env.js';
import type { FhirContext } from './context.js';
import type { JsonObject } from '../core/json.js';

/*
 * How a feature above the FHIR core (analytics: SQL on FHIR) plugs into it without the core
 * importing the feature: the types it stores, the operations it answers and the reads it runs
 * in a request's transaction. app.ts puts the features' extensions in Deps.
 */

/** A resource type the core stores without knowing it (not R4): always shareable, checked by its owner. */
export interface StoredType {
  /** Throws a FhirError (400) when the resource breaks the type's definition. */
  validate(resource: JsonObject): void;
}

/** What a feature's read in the repository's transaction may see: the scope and the caller's access. */
export interface ReadScope {
  readonly scope: Scope;
  /** Whether a type's shared resources are read too (next to the tenant's own). */
  shareable(type: string): boolean;
  /**
   * The caller's access to a type, as for a search of it: throws 403 when it may not search the
   * type, else the criteria its resources must meet (undefined: none).
   */
  criteria(type: string): readonly string[] | undefined;
}

/** A read a feature runs in the request's transaction (as fhir_app, under RLS like every statement). */
export type ScopedRead<T> = (tx: Tx, scope: ReadScope) => Promise<T>;

/** `id`: the instance-level form ([type]/[id]/$name); absent at type level. */
export type OperationHandler = (c: FhirContext, deps: Deps, id?: string) => Promise<Response>;

export interface FhirExtensions {
  /** By type name, e.g. ViewDefinition. */
  storedTypes: ReadonlyMap<string, StoredType>;
  /**
   * By `[type]/$name`, e.g. `ViewDefinition/$run`, or `$name` for a system-level operation
   * ([base]/$export). GET and POST (and DELETE at the system level) reach the handler; it refuses
   * the methods it does not take.
   */
  operations: ReadonlyMap<string, OperationHandler>;
  /** The OperationDefinition canonical of each operation, same keys: listed in the CapabilityStatement. */
  definitions: ReadonlyMap<string, string>;
}

export const NO_EXTENSIONS: FhirExtensions = { storedTypes: new Map(), operations: new Map(), definitions: new Map() };

/**
 * The features' extensions as one (app.ts): each feature owns its types and operations, and two
 * features claiming the same key is a wiring mistake, refused at start rather than resolved by order.
 */
export function mergeExtensions(...parts: FhirExtensions[]): FhirExtensions {
  const merged = <V>(pick: (e: FhirExtensions) => ReadonlyMap<string, V>, what: string): Map<string, V> => {
    const out = new Map<string, V>();
    for (const part of parts) {
      for (const [key, value] of pick(part)) {
        if (out.has(key)) throw new Error(`Two features define the ${what} ${key}`);
        out.set(key, value);
      }
    }
    return out;
  };
  return {
    storedTypes: merged((e) => e.storedTypes, 'stored type'),
    operations: merged((e) => e.operations, 'operation'),
    definitions: merged((e) => e.definitions, 'operation definition'),
  };
}
