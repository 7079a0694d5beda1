import { getSearchParams } from '../../../src/fhir/search/registry.js';
import type { SearchParamDef } from '../../../src/fhir/search/types.js';
import { BASE } from '../../helpers/app.js';
import type { Rng } from './prng.js';
import { OVERLAP, SYSTEMS, type Tenant, type World } from './world.js';

/*
 * Search parameters and values for the randomized suites, taken from the server's own registry
 * of R4 SearchParameters, so "every parameter type" means every type the server indexes.
 */

/** The types the suites hold data of; searches mostly aim at these. */
export const KNOWN_TYPES = ['Patient', 'Observation', 'Encounter', 'Condition', 'Group', 'Organization', 'Practitioner', 'Location'] as const;

/** SQL metacharacters and injection attempts; `{t}` is replaced by a tenant id. */
export const SQL_PAYLOADS = [
  "'", "''", '"', '\\', '%', '_', '%_%', ';', '--', '/*', '*/', '$$', '$1', '::text', '\u0000', 'a\u0000b',
  "' OR '1'='1", "' OR 1=1 --", "'; DROP TABLE resource; --", "1) OR (1=1", "x' UNION SELECT resource::text FROM resource --",
  "') OR tenant_id <> current_setting('app.tenant_id') --", "'; select set_config('app.tenant_id', '{t}', false); --",
  "%' and tenant_id = '{t}' and '%' = '", "' || (select string_agg(id, ',') from resource) || '", "E'\\x27'", "\\'; reset role; --",
  "$$; set role fhir_owner; $$", "') ; commit; begin; set local app.tenant_id = '{t}'; select ('",
];

export function sqlPayload(rng: Rng, tenant: string): string {
  return rng.pick(SQL_PAYLOADS).replaceAll('{t}', tenant);
}

/** Ids of a tenant by type: unique ones, the tombstone, and the overlapping literals. */
export function idsOf(t: Tenant): Record<string, string[]> {
  return {
    Patient: [...t.ids.patient, t.ids.deleted, t.ids.versioned],
    Observation: t.ids.observation,
    Encounter: t.ids.encounter,
    Condition: t.ids.condition,
    Group: t.ids.group,
    Organization: t.ids.organization,
    ViewDefinition: [t.ids.view],
  };
}

/** Ids that only this tenant holds (no overlap literal). */
export function uniqueIdsOf(t: Tenant): [type: string, id: string][] {
  return Object.entries(idsOf(t)).flatMap(([type, ids]) => ids.filter((id) => t.secrets.has(id)).map((id) => [type, id] as [string, string]));
}

export function allValues(t: Tenant): string[] {
  const v = t.values;
  return [...v.family, ...v.given, ...v.mrn, v.email, v.city, v.code, v.codeText, v.condCode, v.note, v.orgName, v.orgIdentifier, v.obsIdentifier, v.groupName, v.tag, v.source, v.viewName];
}

const DATE_PREFIXES = ['', 'eq', 'ne', 'gt', 'lt', 'ge', 'le', 'sa', 'eb', 'ap'];

function date(rng: Rng): string {
  const y = rng.between(1940, 2030);
  const p2 = (n: number) => String(n).padStart(2, '0');
  const d = `${y}-${p2(rng.between(1, 12))}-${p2(rng.between(1, 28))}`;
  return rng.pick([String(y), `${y}-${p2(rng.between(1, 12))}`, d, `${d}T${p2(rng.int(24))}:${p2(rng.int(60))}:00Z`, `${d}T10:00:00+02:00`]);
}

/** A value for one parameter, about `t`'s data (its tokens, ids, codes), optionally spiked with SQL. */
export function valueFor(rng: Rng, world: World, def: Pick<SearchParamDef, 'type' | 'code' | 'components'>, t: Tenant): string {
  const v = t.values;
  const ids = idsOf(t);
  const anyId = () => rng.pick(Object.values(ids).flat());
  switch (def.type) {
    case 'string':
      return rng.pick([...v.family, ...v.given, v.city, v.orgName, v.email, v.groupName, v.note, v.family[0]!.slice(0, 5)]);
    case 'token':
      return rng.pick([
        `${SYSTEMS.mrn}|${rng.pick(v.mrn)}`, rng.pick(v.mrn), `${SYSTEMS.code}|${v.code}`, `|${v.code}`, v.code, `${SYSTEMS.cond}|${v.condCode}`,
        `${SYSTEMS.tag}|${v.tag}`, `${SYSTEMS.org}|${v.orgIdentifier}`, `${SYSTEMS.obs}|${v.obsIdentifier}`, `${SYSTEMS.mrn}|${OVERLAP.mrn}`,
        `${SYSTEMS.code}|${OVERLAP.code}`, 'http://loinc.org|8302-2', `${SYSTEMS.mrn}|`, anyId(), 'true', 'female', v.email,
      ]);
    case 'reference': {
      const [type, id] = rng.pick(Object.entries(ids).map(([ty, list]) => [ty, rng.pick(list)] as const));
      return rng.pick([
        `${type}/${id}`, id, `${BASE}/tenants/${t.id}/fhir/${type}/${id}`, `${BASE}/fhir/${type}/${id}`, `${type}/${id}/_history/1`,
        `Organization/${world.shared.organization}`, `Practitioner/${world.shared.practitioner}`, `urn:uuid:${id}`,
      ]);
    }
    case 'date':
      return `${rng.pick(DATE_PREFIXES)}${date(rng)}`;
    case 'number':
      return `${rng.pick(DATE_PREFIXES)}${rng.pick(['0', '1', '170', '61.5', '-3', '1e2', '0.001'])}`;
    case 'quantity':
      return `${rng.pick(DATE_PREFIXES)}${rng.pick(['170', '61.5', '1'])}${rng.pick(['', '|http://unitsofmeasure.org|cm', '||kg', `|${SYSTEMS.code}|${v.code}`])}`;
    case 'uri':
      return rng.pick([`http://leak.test/source/${v.source}`, 'http://leak.test/source', `${BASE}/tenants/${t.id}/fhir/ViewDefinition/${t.ids.view}`, v.viewName, `urn:uuid:${anyId()}`]);
    case 'composite':
      return def.components.map((c) => valueFor(rng, world, { type: c.type, code: c.code, components: [] }, t)).join('$');
    default:
      return rng.pick([v.code, anyId(), 'x']);
  }
}

const MODIFIERS: Record<string, string[]> = {
  string: ['', '', ':exact', ':contains', ':missing'],
  token: ['', '', ':not', ':text', ':missing', ':of-type'],
  reference: ['', '', ':identifier', ':Patient', ':missing'],
  uri: ['', ':below', ':above', ':missing'],
};

function params(type: string): SearchParamDef[] {
  return [...getSearchParams(type).values()].filter((d) => d.expression !== null || d.code === '_id');
}

/** `code[:modifier]=value` for a random parameter of `type`. */
export function paramClause(rng: Rng, world: World, type: string, t: Tenant): [string, string] {
  const list = params(type);
  if (list.length === 0) return ['_id', rng.pick(Object.values(idsOf(t)).flat())];
  const def = rng.pick(list);
  const modifier = rng.pick(MODIFIERS[def.type] ?? ['', '', ':missing']);
  if (modifier === ':missing') return [`${def.code}:missing`, rng.pick(['true', 'false'])];
  return [`${def.code}${modifier}`, valueFor(rng, world, def, t)];
}

function referenceParams(type: string): SearchParamDef[] {
  return params(type).filter((d) => d.type === 'reference' && d.target.length > 0);
}

/** A chained parameter `ref[:Type].ref[:Type].param` of 1..depth links, ending in a value about `t`. */
export function chainClause(rng: Rng, world: World, type: string, t: Tenant, depth: number): [string, string] | undefined {
  let key = '';
  let current = type;
  for (let i = 0; i < depth; i++) {
    const refs = referenceParams(current);
    const preferred = refs.filter((d) => d.target.some((x) => (KNOWN_TYPES as readonly string[]).includes(x)));
    if (refs.length === 0) break;
    const def = rng.pick(preferred.length ? preferred : refs);
    const known = def.target.filter((x) => (KNOWN_TYPES as readonly string[]).includes(x));
    const target = rng.pick(known.length ? known : def.target);
    // Without a type modifier, a reference to many types fans out into as many joins: name the type mostly.
    const typed = def.target.length > 3 || rng.chance(0.6);
    key += `${key ? '.' : ''}${def.code}${typed ? `:${target}` : ''}`;
    current = typed ? target : rng.pick(def.target);
  }
  if (key === '') return undefined;
  const [code, value] = paramClause(rng, world, current, t);
  return [`${key}.${code.replace(/:missing$/, '')}`, value];
}

/** `_has:Type:ref:param=value` on `type`, optionally nested once. */
export function hasClause(rng: Rng, world: World, type: string, t: Tenant): [string, string] | undefined {
  const sources = KNOWN_TYPES.flatMap((k) => referenceParams(k).filter((d) => d.target.includes(type)).map((d) => [k, d.code] as const));
  if (!sources.length) return undefined;
  const [src, ref] = rng.pick(sources);
  if (rng.chance(0.2)) {
    const inner = hasClause(rng, world, src, t);
    if (inner) return [`_has:${src}:${ref}:${inner[0]}`, inner[1]];
  }
  const [code, value] = paramClause(rng, world, src, t);
  return [`_has:${src}:${ref}:${code.replace(/:missing$/, '')}`, value];
}

/** `_include`/`_revinclude` parameters (with :iterate and *) around `type`. */
export function includeParams(rng: Rng, type: string): [string, string][] {
  const out: [string, string][] = [];
  const refs = referenceParams(type);
  const n = rng.between(1, 3);
  for (let i = 0; i < n; i++) {
    const kind = rng.int(5);
    if (kind === 0 && refs.length) {
      const def = rng.pick(refs);
      out.push(['_include', `${type}:${def.code}${rng.chance(0.3) ? `:${rng.pick(def.target)}` : ''}`]);
    } else if (kind === 1) {
      out.push(['_include', `${type}:*`]);
    } else if (kind === 2) {
      const src = rng.pick(KNOWN_TYPES);
      const into = referenceParams(src).filter((d) => d.target.includes(type));
      out.push(into.length ? ['_revinclude', `${src}:${rng.pick(into).code}`] : ['_revinclude', `${src}:*`]);
    } else {
      const src = rng.pick(KNOWN_TYPES);
      const srcRefs = referenceParams(src);
      const code = srcRefs.length && rng.chance(0.8) ? rng.pick(srcRefs).code : '*';
      out.push([rng.pick(['_include:iterate', '_revinclude:iterate']), `${src}:${code}`]);
    }
  }
  return out;
}

/** Result parameters: _summary, _elements, _sort, _total, _count, _offset. */
export function resultParams(rng: Rng, type: string): [string, string][] {
  const out: [string, string][] = [];
  if (rng.chance(0.25)) out.push(['_summary', rng.pick(['true', 'false', 'text', 'data', 'count'])]);
  if (rng.chance(0.2)) out.push(['_elements', rng.pick(['id', 'name', 'identifier,name', 'subject', 'code,subject,meta', 'text'])]);
  if (rng.chance(0.15)) out.push(['_sort', rng.pick(['_id', '-_lastUpdated', type === 'Patient' ? 'family' : '_id'])]);
  if (rng.chance(0.2)) out.push(['_total', rng.pick(['accurate', 'estimate', 'none'])]);
  if (rng.chance(0.3)) out.push(['_count', String(rng.pick([0, 1, 2, 5, 50]))]);
  if (rng.chance(0.1)) out.push(['_offset', String(rng.pick([0, 1, 3]))]);
  return out;
}

export function query(pairs: [string, string][]): string {
  return pairs.length ? `?${new URLSearchParams(pairs).toString()}` : '';
}
