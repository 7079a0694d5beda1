import type { PageCursor } from './cursor.js';
import type { SearchParamDef } from './types.js';
import type { DateQuery, NumberQuery, QuantityQuery, ReferenceQuery, TokenQuery } from './parse-values.js';

/** A parsed search (R4 §3.1.1): pure data, turned into SQL by to-sql.ts. */
export interface SearchRequest {
  /** One type (type-level search) or several (system level, `_type`). */
  types: string[];
  /** AND of clauses. */
  clauses: Clause[];
  count: number;
  /** Keyset paging: where this page starts (absent: the first page). */
  page?: PageCursor;
  sort: SortKey[];
  total: 'none' | 'estimate' | 'accurate' | undefined;
  summary: 'true' | 'false' | 'text' | 'data' | 'count' | undefined;
  elements: string[] | undefined;
  include: IncludeSpec[];
  revinclude: IncludeSpec[];
  /** Parameters ignored (unknown or unsupported), reported in the Bundle as warnings. */
  ignored: string[];
}

export type StringMatch = { text: string; mode: 'start' | 'exact' | 'contains' };
export type TokenMatch = TokenQuery & {
  mode: 'eq' | 'text' | 'of-type' | TerminologyMode;
  typeSystem?: string;
  typeCode?: string;
  /** `:in` / `:not-in`: the ValueSet (canonical, or ValueSet/id). */
  valueSet?: string;
  /** `codes`: the (system, code) pairs that `:in`, `:below`, `:above` stand for, once resolved (terminology/search-modifiers.ts). */
  codes?: readonly (readonly [system: string, code: string])[];
};
/** Token modifiers answered by terminology: parsed as in/below/above, resolved to `codes` in the search's transaction. */
export type TerminologyMode = 'in' | 'below' | 'above' | 'codes';
export type ReferenceMatch = ReferenceQuery & { identifier?: TokenQuery };
export type UriMatch = { value: string; mode: 'eq' | 'below' | 'above' };

export type ValueMatch =
  | { type: 'string'; m: StringMatch }
  | { type: 'token'; m: TokenMatch }
  | { type: 'reference'; m: ReferenceMatch }
  | { type: 'date'; m: DateQuery }
  | { type: 'number'; m: NumberQuery }
  | { type: 'quantity'; m: QuantityQuery }
  | { type: 'uri'; m: UriMatch }
  | { type: 'composite'; m: ValueMatch[] };

export type Clause =
  /** `_id`: any of the ids. */
  | { kind: 'id'; ids: string[] }
  /** `_lastUpdated`: any of the ranges. */
  | { kind: 'lastUpdated'; values: DateQuery[] }
  /** A parameter with OR-ed values; `negate` for token `:not` (no value matches). */
  | { kind: 'param'; def: SearchParamDef; values: ValueMatch[]; negate: boolean }
  | { kind: 'missing'; def: SearchParamDef; missing: boolean }
  /** Chaining (R4 §3.1.1.4.9): a reference whose target, of one of the types, satisfies `next`. */
  | { kind: 'chain'; def: SearchParamDef; targets: { type: string; next: Clause }[] }
  /** Reverse chaining `_has` (R4 §3.1.1.4.10): some `type` resource refers to this one by `def` and satisfies `next`. */
  | { kind: 'has'; type: string; def: SearchParamDef; next: Clause }
  /**
   * Access criteria (policies): resources of `type` must meet one of the options (each an AND of
   * clauses); resources of other types are not affected (system-level searches).
   */
  | { kind: 'any'; type: string; options: Clause[][] }
  /**
   * Compartment search (R4 §3.1.0.8): refers to the compartment owner by one of its type's
   * parameters of the CompartmentDefinition (`codes`, by type: `author` puts a DocumentReference in
   * the compartment, not a MedicationRequest); `self`: the owner itself is a member too.
   */
  | { kind: 'compartment'; codes: Readonly<Record<string, readonly string[]>>; ownerType: string; ownerId: string; self?: boolean };

export interface SortKey {
  /** `_id`, `_lastUpdated`, or a parameter of every searched type. */
  code: string;
  def?: SearchParamDef;
  descending: boolean;
}

export interface IncludeSpec {
  /** Source type (the type holding the reference); `*`: any type, by any reference parameter (bare `_include=*`). */
  type: string;
  /** Reference parameter codes; all of the type's for `Type:*`; empty for a bare `*`. */
  codes: string[];
  target?: string;
  iterate: boolean;
}
