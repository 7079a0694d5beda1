import { join, raw, sql, type Fragment } from '../../db/sql.js';
import { instant, normalizeString } from './normalize.js';
import type { DateQuery, NumberQuery, QuantityQuery } from './parse-values.js';
import type { ReferenceMatch, StringMatch, TokenMatch, UriMatch, ValueMatch } from './query.js';
import { canonicalQuery } from '../terminology/ucum-search.js';
import { codesCondition } from '../terminology/search-modifiers.js';

/*
 * One value's condition on index columns (R4 §3.1.1.4). Columns are passed as SQL expressions so
 * the same rules serve index rows and composite components. Only leakproof comparisons
 * (=, <, >= on text, timestamptz, float8) are used where an index should serve the search.
 */

// Above every code point: `value >= p and value < p || MAX` is "starts with p" under COLLATE "C".
const MAX = '\u{10FFFF}';

const col = (expr: string) => raw(expr);
const ts = (v: string) => sql`${v}::text::timestamptz`;
const f8 = (v: number) => sql`${v}::float8`;
const or = (parts: Fragment[]) => sql`(${join(parts, ' or ')})`;

export function stringCondition(c: { value: Fragment; exact: Fragment }, m: StringMatch): Fragment {
  if (m.mode === 'exact') return sql`${c.exact} = ${m.text}`;
  const p = normalizeString(m.text);
  if (m.mode === 'contains') return sql`strpos(${c.value}, ${p}) > 0`;
  return sql`${c.value} >= ${p} and ${c.value} < ${p + MAX}`;
}

export function tokenCondition(c: { system: Fragment; value: Fragment; display: Fragment; typeSystem: Fragment; typeCode: Fragment }, m: TokenMatch): Fragment {
  if (m.mode === 'text') return sql`strpos(lower(coalesce(${c.display}, '')), ${normalizeString(m.code ?? '')}) > 0`;
  if (m.mode === 'of-type') return sql`${c.typeSystem} = ${m.typeSystem} and ${c.typeCode} = ${m.typeCode} and ${c.value} = ${m.code}`;
  if (m.mode === 'codes' || m.mode === 'in' || m.mode === 'below' || m.mode === 'above') return codesCondition(c, m);
  const parts: Fragment[] = [];
  if (m.code !== undefined) parts.push(sql`${c.value} = ${m.code}`);
  if (m.system === null) parts.push(sql`${c.system} is null`);
  else if (m.system !== undefined) parts.push(sql`${c.system} = ${m.system}`);
  return join(parts, ' and ');
}

export function referenceCondition(alias: string, m: ReferenceMatch): Fragment {
  const a = (name: string) => col(`${alias}.${name}`);
  if (m.identifier) {
    return tokenCondition(
      { system: a('identifier_system'), value: a('identifier_value'), display: raw('null'), typeSystem: raw('null'), typeCode: raw('null') },
      { ...m.identifier, mode: 'eq' },
    );
  }
  if (m.url !== undefined) return sql`${a('url')} = ${m.url}`;
  const parts: Fragment[] = [sql`${a('target_id')} = ${m.id}`];
  if (m.type !== undefined) parts.push(sql`${a('target_type')} = ${m.type}`);
  return join(parts, ' and ');
}

/** Date prefixes compare ranges: the target's [low, high] against the search value's (R4 §3.1.1.4.2). */
export function dateCondition(c: { low: Fragment; high: Fragment }, q: DateQuery): Fragment {
  const L = ts(q.low);
  const H = ts(q.high);
  // low <= H is implied by high <= H; said explicitly, it bounds the range scan of the low index.
  const within = sql`(${c.low} >= ${L} and ${c.low} <= ${H} and ${c.high} <= ${H})`;
  switch (q.prefix) {
    case 'eq': return within;
    case 'ne': return sql`not ${within}`;
    case 'gt': return sql`${c.high} > ${H}`;
    case 'lt': return sql`${c.low} < ${L}`;
    case 'ge': return sql`(${c.high} > ${H} or ${within})`;
    case 'le': return sql`(${c.low} < ${L} or ${within})`;
    case 'sa': return sql`${c.low} > ${H}`;
    case 'eb': return sql`${c.high} < ${L}`;
    case 'ap': {
      // Approximately: 10% of the distance from now, at least a day (R4 leaves the width to the server).
      const lowMs = Date.parse(q.low);
      const gap = Math.max(86_400_000, Math.abs(Date.now() - lowMs) * 0.1);
      const apLow = instant(lowMs - gap);
      const apHigh = instant(Date.parse(q.high) + gap);
      return sql`(${c.low} <= ${ts(apHigh)} and ${c.high} >= ${ts(apLow)})`;
    }
  }
}

/** Number prefixes: eq is "within the precision of the search value" (R4 §3.1.1.4.1). */
export function numberCondition(value: Fragment, q: NumberQuery): Fragment {
  const inRange = sql`(${value} >= ${f8(q.low)} and ${value} < ${f8(q.high)})`;
  switch (q.prefix) {
    case 'eq': return inRange;
    case 'ne': return sql`not ${inRange}`;
    case 'gt': case 'sa': return sql`${value} > ${f8(q.value)}`;
    case 'lt': case 'eb': return sql`${value} < ${f8(q.value)}`;
    case 'ge': return sql`${value} >= ${f8(q.value)}`;
    case 'le': return sql`${value} <= ${f8(q.value)}`;
    case 'ap': {
      // Approximately: within 10% of the value (R4 recommends 10%; HAPI uses it).
      const a = q.value * 0.9;
      const b = q.value * 1.1;
      return sql`(${value} >= ${f8(Math.min(a, b))} and ${value} <= ${f8(Math.max(a, b))})`;
    }
  }
}

/** A Range (value null) matches when the search value can lie within it. */
function rangeCondition(c: { low: Fragment; high: Fragment }, q: NumberQuery): Fragment {
  const lo = sql`coalesce(${c.low}, '-Infinity'::float8)`;
  const hi = sql`coalesce(${c.high}, 'Infinity'::float8)`;
  switch (q.prefix) {
    case 'gt': case 'sa': case 'ge': return sql`${hi} >= ${f8(q.value)}`;
    case 'lt': case 'eb': case 'le': return sql`${lo} <= ${f8(q.value)}`;
    case 'ne': return sql`not (${lo} <= ${f8(q.value)} and ${hi} >= ${f8(q.value)})`;
    case 'ap': {
      // The range overlaps value ± 10% (as HAPI).
      const [a, b] = [q.value * 0.9, q.value * 1.1];
      return sql`(${lo} <= ${f8(Math.max(a, b))} and ${hi} >= ${f8(Math.min(a, b))})`;
    }
    default: return sql`(${lo} <= ${f8(q.value)} and ${hi} >= ${f8(q.value)})`;
  }
}

interface QuantityColumns { value: Fragment; low: Fragment; high: Fragment; system: Fragment; unit: Fragment }

/** `canonical`: the row's UCUM-canonical columns, compared when the search value is UCUM (terminology/ucum-search.ts). */
export function quantityCondition(c: QuantityColumns & { canonical?: Omit<QuantityColumns, 'system'> }, q: QuantityQuery): Fragment {
  const parts = [sql`((${c.value} is not null and ${numberCondition(c.value, q)}) or (${c.value} is null and ${rangeCondition(c, q)}))`];
  if (q.system !== null) parts.push(sql`${c.system} = ${q.system}`);
  if (q.unit !== null) parts.push(sql`${c.unit} = ${q.unit}`);
  const plain = join(parts, ' and ');
  const canonical = c.canonical && canonicalQuery(q);
  if (!c.canonical || !canonical) return plain;
  return sql`((${quantityCondition({ ...c.canonical, system: raw('null') }, canonical)}) or (${plain}))`;
}

const URL = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//;

/**
 * :below and :above compare URL paths, segment by segment (R4 §3.1.1.4.7: they apply to URLs
 * only): `a/b` is below `a`, `ab` is not. A URN (or any value that is not a URL) has no path:
 * it is below or above itself only.
 */
export function uriCondition(value: Fragment, m: UriMatch): Fragment {
  const v = m.value;
  if (m.mode === 'eq' || !URL.test(v)) return sql`${value} = ${v}`;
  if (m.mode === 'below') {
    const dir = v.endsWith('/') ? v : `${v}/`;
    return sql`(${value} = ${v} or (${value} >= ${dir} and ${value} < ${dir + MAX}))`;
  }
  return sql`(starts_with(${v}, ${value}) and (${value} = ${v} or right(${value}, 1) = '/' or substr(${v}, length(${value}) + 1, 1) = '/'))`;
}

/** The condition of one value on an index row aliased `a` of the value's own table. */
export function valueCondition(a: string, v: ValueMatch): Fragment {
  const c = (name: string) => col(`${a}.${name}`);
  switch (v.type) {
    case 'string': return stringCondition({ value: c('value'), exact: c('exact') }, v.m);
    case 'token': return tokenCondition({ system: c('system'), value: c('value'), display: c('display'), typeSystem: c('type_system'), typeCode: c('type_code') }, v.m);
    case 'reference': return referenceCondition(a, v.m);
    case 'date': return dateCondition({ low: c('low'), high: c('high') }, v.m);
    case 'number': return numberCondition(c('value'), v.m);
    case 'quantity': return quantityCondition({
      value: c('value'), low: c('low'), high: c('high'), system: c('system'), unit: c('unit'),
      canonical: { value: c('canonical_value'), low: c('canonical_low'), high: c('canonical_high'), unit: c('canonical_unit') },
    }, v.m);
    case 'uri': return uriCondition(c('value'), v.m);
    case 'composite': return compositeCondition(a, v.m);
  }
}

/** First component on the indexed c1 columns, the others from the components jsonb. */
function compositeCondition(a: string, parts: ValueMatch[]): Fragment {
  return join(parts.map((p, i) => {
    if (i === 0 && p.type === 'token') {
      return tokenCondition({ system: col(`${a}.c1_system`), value: col(`${a}.c1_value`), display: raw('null'), typeSystem: raw('null'), typeCode: raw('null') }, p.m);
    }
    const field = (name: string, cast = '') => col(`(${a}.components->${i}->>'${name}')${cast}`);
    switch (p.type) {
      case 'token': return tokenCondition({ system: field('system'), value: field('value'), display: field('display'), typeSystem: raw('null'), typeCode: raw('null') }, p.m);
      case 'string': return stringCondition({ value: field('value'), exact: field('exact') }, p.m);
      case 'date': return dateCondition({ low: field('low', '::timestamptz'), high: field('high', '::timestamptz') }, p.m);
      case 'number': return numberCondition(field('value', '::float8'), p.m);
      case 'quantity': {
        const canonical = (name: string, cast = '') => col(`(${a}.components->${i}->'canonical'->>'${name}')${cast}`);
        return quantityCondition({
          value: field('value', '::float8'), low: field('low', '::float8'), high: field('high', '::float8'), system: field('system'), unit: field('unit'),
          canonical: { value: canonical('value', '::float8'), low: canonical('low', '::float8'), high: canonical('high', '::float8'), unit: canonical('unit') },
        }, p.m);
      }
      case 'uri': return uriCondition(field('value'), p.m);
      default: return raw('false');
    }
  }), ' and ');
}

/**
 * The OR of a parameter's values (`code=a,b,c`). Values of one equality shape are bound as one
 * array each (`value = any($1::text[])`), and string prefixes as two arrays of bounds, so the SQL
 * text, its bound parameters and the statements a connection prepares do not multiply with the
 * number of values. One value keeps its own condition; the other forms stay one per value.
 */
export function valuesCondition(a: string, values: readonly ValueMatch[]): Fragment {
  if (values.length < 2) return or(values.map((v) => valueCondition(a, v)));
  const codes: string[] = [];
  const pairs: [string, string][] = [];
  const ids: string[] = [];
  const typedIds: [string, string][] = [];
  const exact: string[] = [];
  const prefixes: string[] = [];
  const uris: string[] = [];
  const rest: Fragment[] = [];
  for (const v of values) {
    if (v.type === 'token' && v.m.mode === 'eq' && v.m.code !== undefined && v.m.system === undefined) codes.push(v.m.code);
    else if (v.type === 'token' && v.m.mode === 'eq' && v.m.code !== undefined && typeof v.m.system === 'string') pairs.push([v.m.system, v.m.code]);
    else if (v.type === 'reference' && !v.m.identifier && v.m.url === undefined && v.m.id !== undefined) {
      if (v.m.type === undefined) ids.push(v.m.id);
      else typedIds.push([v.m.type, v.m.id]);
    } else if (v.type === 'string' && v.m.mode === 'exact') exact.push(v.m.text);
    else if (v.type === 'string' && v.m.mode === 'start') prefixes.push(normalizeString(v.m.text));
    else if (v.type === 'uri' && v.m.mode === 'eq') uris.push(v.m.value);
    else rest.push(valueCondition(a, v));
  }
  const c = (name: string) => col(`${a}.${name}`);
  const any: Fragment[] = [];
  if (codes.length) any.push(sql`${c('value')} = any(${codes}::text[])`);
  if (pairs.length) any.push(zipped(c('system'), c('value'), pairs));
  if (ids.length) any.push(sql`${c('target_id')} = any(${ids}::text[])`);
  if (typedIds.length) any.push(zipped(c('target_type'), c('target_id'), typedIds));
  if (exact.length) any.push(sql`${c('exact')} = any(${exact}::text[])`);
  if (prefixes.length) {
    any.push(sql`exists (select 1 from unnest(${prefixes}::text[], ${prefixes.map((p) => p + MAX)}::text[]) as q(lo, hi)
      where ${c('value')} >= q.lo and ${c('value')} < q.hi)`);
  }
  if (uris.length) any.push(sql`${c('value')} = any(${uris}::text[])`);
  return or([...any, ...rest]);
}

/** (x, y) is one of the pairs; `y = any(...)` first, so an index on y still serves it. */
function zipped(x: Fragment, y: Fragment, pairs: [string, string][]): Fragment {
  const xs = pairs.map((p) => p[0]);
  const ys = pairs.map((p) => p[1]);
  return sql`(${y} = any(${ys}::text[]) and (${x}, ${y}) in (select * from unnest(${xs}::text[], ${ys}::text[])))`;
}

export { or };
