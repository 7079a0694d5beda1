import { FhirError } from '../../core/errors.js';
import { raw, sql, type Fragment } from '../../db/sql.js';
import type { SearchResult } from '../repository/search.js';
import { parseToken, unescape } from '../search/parse-values.js';
import type { Clause, SearchRequest, TokenMatch, ValueMatch } from '../search/query.js';
import { closure } from './code-system.js';
import { expandValueSet } from './expand.js';
import { MAX_EXPANSION, tooCostly } from './limits.js';
import { TerminologySource } from './source.js';

/*
 * The token search modifiers terminology answers (R4 search.html#token):
 *   :in=<ValueSet canonical | ValueSet/id>   a code in the value set's expansion
 *   :not-in=...                              no code in it (parse.ts: :in negated, like :not)
 *   :below=system|code                       the code or one below it in the CodeSystem's hierarchy
 *   :above=system|code                       the code or one above it
 * parse.ts keeps them as they were written; before the SQL is built, resolveTerminology turns
 * each into its (system, code) pairs in the search's own transaction (as fhir_app, under RLS),
 * so a tenant's value set is usable by that tenant only. Bounded like $expand.
 */

export const TERMINOLOGY_MODIFIERS = ['in', 'below', 'above'] as const;
type Modifier = (typeof TERMINOLOGY_MODIFIERS)[number];

export function isTerminologyModifier(m: string | undefined): m is Modifier {
  return m === 'in' || m === 'below' || m === 'above';
}

export function terminologyTokenMatch(key: string, modifier: Modifier, value: string): TokenMatch {
  if (modifier === 'in') return { system: undefined, code: undefined, mode: 'in', valueSet: unescape(value) };
  const token = parseToken(key, value);
  if (typeof token.system !== 'string' || token.code === undefined) throw FhirError.badRequest(`:${modifier} takes system|code`, [key.slice(0, 80)]);
  return { ...token, mode: modifier };
}

function needsTerminology(c: Clause): boolean {
  switch (c.kind) {
    case 'param': return c.values.some((v) => v.type === 'token' && (v.m.mode === 'in' || v.m.mode === 'below' || v.m.mode === 'above'));
    case 'chain': return c.targets.some((t) => needsTerminology(t.next));
    case 'has': return needsTerminology(c.next);
    case 'any': return c.options.some((o) => o.some(needsTerminology));
    default: return false;
  }
}

async function codesOf(m: TokenMatch, source: TerminologySource): Promise<[string, string][]> {
  if (m.mode === 'in') {
    const ref = m.valueSet ?? '';
    const local = /^ValueSet\/([A-Za-z0-9\-.]{1,64})$/.exec(ref);
    const found = local ? await source.byId('ValueSet', local[1] ?? '') : await source.byUrl('ValueSet', ref);
    if (found === undefined) throw FhirError.badRequest(`:in / :not-in: the ValueSet ${ref.slice(0, 200)} is not known`);
    return (await expandValueSet(found.resource, source)).map((x) => [x.system, x.code]);
  }
  const system = m.system ?? '';
  const code = m.code ?? '';
  const cs = await source.codeSystem(system);
  if (cs === undefined) throw FhirError.badRequest(`:${m.mode}: the code system ${system.slice(0, 200)} is not known`);
  const codes = closure(cs, code, m.mode === 'below' ? 'descendants' : 'ancestors');
  return [...(codes.size ? codes : [code])].map((x) => [system, x]);
}

/** The terminology of one search: its source, and the codes its modifiers stood for so far (one cap for all). */
interface Resolving {
  source: TerminologySource;
  codes: number;
}

async function resolveValue(v: ValueMatch, r: Resolving): Promise<ValueMatch> {
  if (v.type !== 'token' || (v.m.mode !== 'in' && v.m.mode !== 'below' && v.m.mode !== 'above')) return v;
  const codes = await codesOf(v.m, r.source);
  r.codes += codes.length;
  // Each code is bound in the search's SQL: 100 values of 10,000 codes each must not become one statement.
  if (r.codes > MAX_EXPANSION) throw tooCostly(`The :in, :not-in, :below and :above values of one search stand for more than ${MAX_EXPANSION} codes: too costly`);
  return { type: 'token', m: { system: undefined, code: undefined, mode: 'codes', codes } };
}

async function resolveClause(c: Clause, r: Resolving): Promise<Clause> {
  if (!needsTerminology(c)) return c;
  switch (c.kind) {
    case 'param': {
      const values: ValueMatch[] = [];
      for (const v of c.values) values.push(await resolveValue(v, r));
      return { ...c, values };
    }
    case 'chain': {
      const targets = [];
      for (const t of c.targets) targets.push({ ...t, next: await resolveClause(t.next, r) });
      return { ...c, targets };
    }
    case 'has': return { ...c, next: await resolveClause(c.next, r) };
    case 'any': {
      const options: Clause[][] = [];
      for (const o of c.options) options.push(await resolveClauses(o, r));
      return { ...c, options };
    }
    default: return c;
  }
}

async function resolveClauses(clauses: readonly Clause[], r: Resolving): Promise<Clause[]> {
  const out: Clause[] = [];
  for (const c of clauses) out.push(await resolveClause(c, r));
  return out;
}

/**
 * The request with every :in, :not-in, :below and :above resolved to codes, through `search`
 * (the same transaction and scope as the search itself). Unchanged when it has none.
 */
export async function resolveTerminology(req: SearchRequest, search: (r: SearchRequest) => Promise<SearchResult>): Promise<SearchRequest> {
  if (!req.clauses.some(needsTerminology)) return req;
  return { ...req, clauses: await resolveClauses(req.clauses, { source: new TerminologySource({ search }), codes: 0 }) };
}

/**
 * The SQL of resolved codes: `value` first, so the (…, code, value, system) index serves it. A
 * row without a system is a `code` element (Observation.status): its system is the one its
 * binding implies, so it matches by code alone.
 */
export function codesCondition(c: { system: Fragment; value: Fragment }, m: TokenMatch): Fragment {
  if (m.codes === undefined) throw FhirError.badRequest(`Modifier :${m.mode} is not supported here`);
  if (m.codes.length === 0) return raw('false');
  const systems = m.codes.map((p) => p[0]);
  const codes = m.codes.map((p) => p[1]);
  return sql`(${c.value} = any(${codes}::text[])
    and (${c.system} is null or (${c.system}, ${c.value}) in (select * from unnest(${systems}::text[], ${codes}::text[]))))`;
}
