import { FhirError } from '../../core/errors.js';
import { parseBoolean, parseDate, parseNumber, parseQuantity, parseReference, parseToken, splitEscaped, unescape } from './parse-values.js';
import { BUILT_IN_PARAMS, paramOf, type ParamLookup } from './param-lookup.js';
import { isResourceType } from '../../core/resource-types.js';
import type { Clause, IncludeSpec, SearchRequest, SortKey, ValueMatch } from './query.js';
import type { CompositeComponentDef, SearchParamDef, SearchParamType } from './types.js';
import { isTerminologyModifier, TERMINOLOGY_MODIFIERS, terminologyTokenMatch } from '../terminology/search-modifiers.js';

export interface ParseOptions {
  defaultCount: number;
  maxCount: number;
  /** The request's FHIR base, so an absolute reference to this server matches `Type/id`. */
  base: string;
  /** `Prefer: handling=strict`: unknown parameters are an error instead of a warning. */
  strict: boolean;
  /** MAX_SEARCH_PARAMS: most parameters of one search; undefined for the operator's own criteria (access policies). */
  maxSearchParams?: number;
  /** MAX_SEARCH_VALUES: most comma-separated values of one parameter (and `_sort` keys); undefined as above. */
  maxSearchValues?: number;
  /** The request's parameters (param-lookup.ts); undefined: the R4 ones only. */
  params?: ParamLookup;
}

/** Parameters that control the result rather than select resources (R4 §3.1.1.5). */
const RESULT_PARAMS = new Set(['_count', '_offset', '_sort', '_total', '_summary', '_elements', '_include', '_revinclude', '_format', '_pretty', '_type']);
/** Defined by R4 but not supported here; CapabilityStatement says so. */
const UNSUPPORTED = new Set(['_text', '_content', '_query', '_filter', '_list', '_contained', '_containedType', '_has', 'near']);
const MAX_CHAIN = 4;

/** Parses `[type]?query` (or system level with `types`) into a SearchRequest; 400 names the bad parameter. */
export function parseSearch(types: string[], params: [string, string][], options: ParseOptions): SearchRequest {
  // Each parameter is one more join or EXISTS: the planning time of a search grows faster than
  // linearly with them (200 took 18 s on PGlite), so one request must not carry thousands.
  if (options.maxSearchParams !== undefined && params.length > options.maxSearchParams) {
    throw new FhirError(400, 'too-costly', `At most ${options.maxSearchParams} search parameters are accepted (MAX_SEARCH_PARAMS); this search has ${params.length}`);
  }
  const req: SearchRequest = {
    types, clauses: [], count: options.defaultCount, sort: [], total: undefined,
    summary: undefined, elements: undefined, include: [], revinclude: [], ignored: [],
  };
  for (const [key, value] of params) {
    // PostgreSQL text cannot hold NUL: such a value could match nothing and would fail the query.
    if (key.includes('\0') || value.includes('\0')) {
      throw FhirError.badRequest('Search parameters may not contain NUL (%00)', [key.replaceAll('\0', '').slice(0, 80)]);
    }
    if (RESULT_PARAMS.has(key.split(':')[0]!)) {
      resultParam(req, key, value, options);
      continue;
    }
    const clause = parseClause(types, key, value, options, 0);
    if (clause === undefined) {
      if (options.strict) throw FhirError.badRequest(`Unknown or unsupported search parameter "${key.slice(0, 80)}"`, [key.slice(0, 80)]);
      if (!req.ignored.includes(key)) req.ignored.push(key);
    } else {
      req.clauses.push(clause);
    }
  }
  return req;
}

/**
 * The comma-separated values of one parameter, at most MAX_SEARCH_VALUES of them: each is one
 * more condition, so 40,000 of them would otherwise run into PostgreSQL's limit of 65,535 bound
 * parameters (a 500) after a long planning time.
 */
function commaValues(key: string, value: string, options: ParseOptions): string[] {
  const max = options.maxSearchValues;
  // A lower bound of the values, counted before splitting (40,000 values were split into strings
  // before the refusal: 12 ms of the event loop each time): commas less escaped ones.
  const atLeast = countOf(value, ',') - countOf(value, '\\,') + 1;
  const values = max !== undefined && atLeast > max ? undefined : splitEscaped(value, ',');
  if (max !== undefined && (values === undefined || values.length > max)) {
    throw new FhirError(400, 'too-costly', `A search parameter takes at most ${max} values (MAX_SEARCH_VALUES); ${key.slice(0, 80)} has ${values?.length ?? `at least ${atLeast}`}`, { expression: [key.slice(0, 80)] });
  }
  return values!;
}

/** Occurrences of `needle` in `text`. */
function countOf(text: string, needle: string): number {
  let n = 0;
  for (let i = text.indexOf(needle); i !== -1; i = text.indexOf(needle, i + needle.length)) n++;
  return n;
}

function nonNegative(key: string, value: string): number {
  if (!/^[0-9]{1,9}$/.test(value)) throw FhirError.badRequest(`${key} must be a non-negative integer, got "${value.slice(0, 40)}"`, [key]);
  return Number(value);
}

function resultParam(req: SearchRequest, key: string, value: string, options: ParseOptions): void {
  switch (key) {
    case '_count': req.count = Math.min(nonNegative(key, value), options.maxCount); return;
    case '_offset':
      // Offsets shift when data changes between pages; the links carry a keyset cursor instead.
      throw FhirError.badRequest('_offset is not supported: page with the Bundle\'s next and previous links (keyset paging with _cursor)', [key]);
    case '_total':
      if (value !== 'none' && value !== 'estimate' && value !== 'accurate') throw FhirError.badRequest('_total must be none, estimate or accurate', [key]);
      req.total = value; return;
    case '_summary':
      if (!['true', 'false', 'text', 'data', 'count'].includes(value)) throw FhirError.badRequest('_summary must be true, false, text, data or count', [key]);
      req.summary = value as SearchRequest['summary']; return;
    case '_elements':
      req.elements = value.split(',').map((e) => e.trim()).filter(Boolean);
      if (req.elements.some((e) => !/^[A-Za-z][A-Za-z0-9]*$/.test(e))) throw FhirError.badRequest('_elements takes element names', [key]);
      return;
    case '_sort': req.sort.push(...commaValues(key, value, options).filter(Boolean).map((s) => sortKey(req.types, s, options))); return;
    case '_include': req.include.push(includeSpec(key, value, req.types, false, options)); return;
    case '_include:iterate': case '_include:recurse': req.include.push(includeSpec(key, value, req.types, true, options)); return;
    case '_revinclude': req.revinclude.push(includeSpec(key, value, undefined, false, options)); return;
    case '_revinclude:iterate': case '_revinclude:recurse': req.revinclude.push(includeSpec(key, value, undefined, true, options)); return;
    default: return; // _format, _pretty, _type: handled by the caller or not relevant to JSON.
  }
}

function sortKey(types: string[], raw: string, options: ParseOptions): SortKey {
  const descending = raw.startsWith('-');
  const code = descending ? raw.slice(1) : raw;
  if (code === '_id' || code === '_lastUpdated') return { code, descending };
  const defs = types.map((t) => paramOf(options.params, t, code));
  const def = defs[0];
  if (def === undefined || defs.some((d) => d === undefined || d.type !== def.type) || def.type === 'composite' || def.type === 'special') {
    throw FhirError.badRequest(`Cannot sort by "${code.slice(0, 60)}": not a search parameter of ${types.join(', ')}`, ['_sort']);
  }
  return { code, def, descending };
}

/** `_include=Type:param[:target]`, `*` for every reference parameter of the type (R4 §3.1.1.5.5). */
function includeSpec(key: string, value: string, types: string[] | undefined, iterate: boolean, options: ParseOptions): IncludeSpec {
  // Bare `*`: every reference of the matches (_include), every resource referring to them (_revinclude); as HAPI.
  if (value === '*') return { type: '*', codes: [], iterate };
  const [type = '', code = '', target] = value.split(':');
  const bad = () => FhirError.badRequest(`Invalid ${key} "${value.slice(0, 80)}": expected Type:parameter[:targetType]`, [key]);
  if (!isResourceType(type) || (target !== undefined && !isResourceType(target))) throw bad();
  if (!iterate && types !== undefined && !types.includes(type)) throw bad();
  if (code === '*') {
    const codes = [...(options.params ?? BUILT_IN_PARAMS).params(type).values()].filter((d) => d.type === 'reference').map((d) => d.code);
    return { type, codes, target, iterate };
  }
  const def = paramOf(options.params, type, code);
  if (def?.type !== 'reference') throw bad();
  return { type, codes: [code], target, iterate };
}

/** One `key=value` pair into a clause; undefined when the parameter is unknown here. */
function parseClause(types: string[], key: string, value: string, options: ParseOptions, depth: number): Clause | undefined {
  if (depth > MAX_CHAIN) throw FhirError.badRequest(`Chains deeper than ${MAX_CHAIN} are not supported`, [key.slice(0, 80)]);
  if (key.startsWith('_has:')) return parseHas(types, key, value, options, depth);
  const dot = key.indexOf('.');
  const head = dot < 0 ? key : key.slice(0, dot);
  const [code = '', modifier, ...more] = head.split(':');
  // One modifier per parameter (R4 §3.1.1.5.2): `name:exact:contains` has no meaning.
  if (more.length) throw FhirError.badRequest(`Parameter ${key.slice(0, 80)} has more than one modifier`, [key.slice(0, 80)]);
  if (code === '_id' && dot < 0) {
    if (modifier !== undefined) throw FhirError.badRequest(`Modifier :${modifier} is not supported on _id`, [key]);
    return { kind: 'id', ids: commaValues(key, value, options).map(unescape) };
  }
  if (code === '_lastUpdated' && dot < 0) {
    if (modifier !== undefined) throw FhirError.badRequest(`Modifier :${modifier} is not supported on _lastUpdated`, [key]);
    return { kind: 'lastUpdated', values: commaValues(key, value, options).map((v) => parseDate(key, v)) };
  }
  if (UNSUPPORTED.has(code)) return undefined;
  const defs = types.map((t) => paramOf(options.params, t, code));
  const def = defs[0];
  // Across several types (system search, _type) only parameters common to all of them (R4 §3.2.1.5.4);
  // one that only some know is an error, not ignored (as HAPI).
  if (defs.some((d) => d !== undefined) && defs.some((d) => d === undefined || d.type !== defs.find(Boolean)?.type)) {
    throw FhirError.badRequest(`Search parameter ${code.slice(0, 60)} is not defined for every searched type (${types.slice(0, 10).join(', ')}${types.length > 10 ? ', ...' : ''})`, [key.slice(0, 80)]);
  }
  if (def === undefined || def.type === 'special' || def.expression === null) return undefined;
  if (dot >= 0) return parseChain(def, modifier, key, key.slice(dot + 1), value, options, depth);
  if (modifier === 'missing') return { kind: 'missing', def, missing: parseBoolean(key, value) };
  // :not-in is :in negated (R4: no code of the resource is in the value set), as :not is of a code.
  const negate = modifier === 'not' || modifier === 'not-in';
  if (negate && def.type !== 'token') throw FhirError.badRequest(`Modifier :${modifier} applies to token parameters only`, [key]);
  const raws = commaValues(key, value, options);
  const bad = modifier === undefined || modifier === 'not' ? raws.find((v) => !wellFormedMeta(code, v)) : undefined;
  if (bad !== undefined) {
    // A value no resource can hold: 400 when strict, else ignored like an unknown parameter (as HAPI).
    if (options.strict) throw FhirError.badRequest(`Invalid value "${bad.slice(0, 60)}" for ${code}`, [key.slice(0, 80)]);
    return undefined;
  }
  const values = raws.map((v) => valueMatch(key, def.type, def, modifier === 'not' ? undefined : modifier === 'not-in' ? 'in' : modifier, v, options));
  return { kind: 'param', def, values, negate };
}

/** R4 datatypes: a uri has no whitespace, a code no leading, trailing or double whitespace. */
const URI = /^\S+$/;
const ABSOLUTE_URI = /^[A-Za-z][A-Za-z0-9+.-]*:\S+$/;
const CODE = /^\S+( \S+)*$/;

/** Whether a value of `_tag`, `_security` (Coding), `_profile` (canonical) or `_source` (uri) is one a resource can hold. */
function wellFormedMeta(code: string, raw: string): boolean {
  switch (code) {
    case '_tag':
    case '_security': {
      const parts = splitEscaped(raw, '|').map(unescape);
      if (parts.length > 2) return false;
      const [system, value] = parts.length === 2 ? parts : [undefined, parts[0]];
      return (system === undefined || system === '' || URI.test(system)) && (value === undefined || value === '' || CODE.test(value));
    }
    case '_profile': return ABSOLUTE_URI.test(unescape(raw));
    case '_source': return URI.test(unescape(raw));
    default: return true;
  }
}

function parseChain(def: SearchParamDef, modifier: string | undefined, key: string, rest: string, value: string, options: ParseOptions, depth: number): Clause {
  if (def.type !== 'reference') throw FhirError.badRequest(`Cannot chain through "${def.code}": not a reference parameter`, [key]);
  if (modifier !== undefined && !def.target.includes(modifier)) throw FhirError.badRequest(`"${modifier}" is not a target type of ${def.code}`, [key]);
  const candidates = modifier !== undefined ? [modifier] : def.target;
  const targets = candidates.flatMap((type) => {
    const next = parseClause([type], rest, value, options, depth + 1);
    return next === undefined ? [] : [{ type, next }];
  });
  if (targets.length === 0) throw FhirError.badRequest(`Chained parameter "${rest.slice(0, 60)}" is not known on the targets of ${def.code}`, [key]);
  return { kind: 'chain', def, targets };
}

/** `_has:Type:reference:rest=value`. */
function parseHas(types: string[], key: string, value: string, options: ParseOptions, depth: number): Clause {
  const [, type = '', code = '', ...restParts] = key.split(':');
  const rest = restParts.join(':');
  const bad = (why: string) => FhirError.badRequest(`Invalid ${key.slice(0, 80)}: ${why}`, [key.slice(0, 80)]);
  if (!isResourceType(type)) throw bad(`unknown type "${type}"`);
  const def = paramOf(options.params, type, code);
  if (def?.type !== 'reference') throw bad(`"${code}" is not a reference parameter of ${type}`);
  if (!types.some((t) => def.target.includes(t))) throw bad(`${type}.${code} does not refer to ${types.join(', ')}`);
  if (rest === '') throw bad('no parameter after the reference');
  const next = parseClause([type], rest, value, options, depth + 1);
  if (next === undefined) throw bad(`"${rest.slice(0, 60)}" is not a search parameter of ${type}`);
  return { kind: 'has', type, def, next };
}

const MODIFIERS: Record<SearchParamType, (string | undefined)[]> = {
  string: [undefined, 'exact', 'contains'],
  token: [undefined, 'text', 'of-type', ...TERMINOLOGY_MODIFIERS],
  reference: [undefined, 'identifier'],
  date: [undefined], number: [undefined], quantity: [undefined],
  uri: [undefined, 'below', 'above'],
  composite: [undefined], special: [],
};

function valueMatch(key: string, type: SearchParamType, def: SearchParamDef | CompositeComponentDef, modifier: string | undefined, raw: string, options: ParseOptions): ValueMatch {
  const typeModifier = type === 'reference' && modifier !== undefined && isResourceType(modifier);
  if (!typeModifier && !MODIFIERS[type].includes(modifier)) {
    throw FhirError.badRequest(`Modifier :${modifier} is not supported for ${type} parameter ${key.slice(0, 60)}`, [key.slice(0, 80)]);
  }
  if (raw === '') throw FhirError.badRequest(`Empty value for parameter ${key.slice(0, 60)}`, [key.slice(0, 80)]);
  switch (type) {
    case 'string':
      return { type, m: { text: unescape(raw), mode: modifier === 'exact' ? 'exact' : modifier === 'contains' ? 'contains' : 'start' } };
    case 'token': {
      if (modifier === 'text') return { type, m: { system: undefined, code: unescape(raw), mode: 'text' } };
      if (isTerminologyModifier(modifier)) return { type, m: terminologyTokenMatch(key, modifier, raw) };
      if (modifier === 'of-type') {
        const [typeSystem, typeCode, v] = splitEscaped(raw, '|').map(unescape);
        if (!typeSystem || !typeCode || !v) throw FhirError.badRequest(`:of-type takes system|code|value`, [key]);
        return { type, m: { system: undefined, code: v, mode: 'of-type', typeSystem, typeCode } };
      }
      return { type, m: { ...parseToken(key, raw), mode: 'eq' } };
    }
    case 'reference': {
      if (modifier === 'identifier') return { type, m: { identifier: parseToken(key, raw) } };
      const ref = parseReference(key, raw, options.base);
      if (typeModifier) {
        // Our own base was stripped (parseReference); another server's URL matches only resources
        // holding that absolute reference, and must name a resource of the modifier's type.
        if (ref.url !== undefined) {
          const named = /\/([A-Z][A-Za-z]+)\/[A-Za-z0-9\-.]{1,64}(\/_history\/[^/]+)?$/.exec(ref.url)?.[1];
          if (named !== modifier) throw FhirError.badRequest(`:${modifier} takes an id, ${modifier}/id or the URL of a ${modifier}`, [key]);
          return { type, m: { url: ref.url } };
        }
        if (ref.type !== undefined && ref.type !== modifier) throw FhirError.badRequest(`:${modifier} takes an id or ${modifier}/id`, [key]);
        return { type, m: { type: modifier, id: ref.id } };
      }
      return { type, m: ref };
    }
    case 'date': return { type, m: parseDate(key, raw) };
    case 'number': return { type, m: parseNumber(key, raw) };
    case 'quantity': return { type, m: parseQuantity(key, raw) };
    case 'uri': return { type, m: { value: unescape(raw), mode: modifier === 'below' ? 'below' : modifier === 'above' ? 'above' : 'eq' } };
    case 'composite': {
      const components = 'components' in def ? def.components : [];
      const parts = splitEscaped(raw, '$');
      if (parts.length !== components.length) {
        throw FhirError.badRequest(`${key} takes ${components.length} values joined by $`, [key]);
      }
      return { type, m: components.map((c, i) => valueMatch(key, c.type, c, undefined, parts[i]!, options)) };
    }
    default:
      throw FhirError.badRequest(`Parameter ${key} cannot be searched`, [key]);
  }
}
