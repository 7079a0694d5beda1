import { getSearchParams } from '../../../src/fhir/search/registry.js';
import { resourceTypes } from '../../../src/core/resource-types.js';
import { ADMIN_TOKEN } from '../../helpers/app.js';
import type { Rng } from './prng.js';
import { SQL_PAYLOADS } from './search-values.js';
import type { Attempt } from './send.js';

/*
 * Bad input for the whole HTTP surface. Each case says whether it must be refused: those go to a
 * tenant whose rows are checksummed before and after (a refused request must change nothing),
 * the others (input that may legitimately be accepted: duplicate keys, big but valid arrays) to
 * a second tenant where only the answer is checked.
 */

export interface FuzzCase extends Attempt {
  /** Must be answered with 4xx (never stored). */
  mustReject: boolean;
}

export interface FuzzTarget {
  /** Tenant of the must-reject cases (checksummed). */
  reject: string;
  /** Tenant of the cases that may be accepted. */
  any: string;
  /** Ids that exist in both tenants. */
  patient: string;
  observation: string;
}

const FHIR_JSON: [string, string] = ['content-type', 'application/fhir+json'];
const ADMIN: [string, string] = ['authorization', `Bearer ${ADMIN_TOKEN}`];

/** A valid resource to mutate. */
function template(rng: Rng, t: FuzzTarget): Record<string, unknown> {
  return rng.pick<() => Record<string, unknown>>([
    () => ({ resourceType: 'Patient', active: true, name: [{ family: 'Fuzz', given: ['A', 'B'] }], birthDate: '1970-01-01', gender: 'other', identifier: [{ system: 'urn:fuzz', value: '1' }], address: [{ line: ['x'], city: 'y' }] }),
    () => ({ resourceType: 'Observation', status: 'final', code: { coding: [{ system: 'http://loinc.org', code: '8302-2' }] }, subject: { reference: `Patient/${t.patient}` }, valueQuantity: { value: 1.5, unit: 'cm', system: 'http://unitsofmeasure.org', code: 'cm' }, effectiveDateTime: '2020-01-01T00:00:00Z' }),
    () => ({ resourceType: 'Condition', subject: { reference: `Patient/${t.patient}` }, code: { text: 'x' }, clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] } }),
  ])();
}

function nested(rng: Rng, depth: number, leaf: unknown = 1): string {
  const kind = rng.int(3);
  if (kind === 0) return `${'['.repeat(depth)}${JSON.stringify(leaf)}${']'.repeat(depth)}`;
  if (kind === 1) return `${'{"a":'.repeat(depth)}${JSON.stringify(leaf)}${'}'.repeat(depth)}`;
  return `${'{"a":['.repeat(Math.ceil(depth / 2))}${JSON.stringify(leaf)}${']}'.repeat(Math.ceil(depth / 2))}`;
}

/** Deep extension nesting: valid FHIR shape at every level, so only a depth limit refuses it. */
function deepExtension(depth: number): string {
  return `${'{"url":"http://x","extension":['.repeat(depth)}{"url":"http://x","valueString":"v"}${']}'.repeat(depth)}`;
}

const WRONG_VALUES: unknown[] = [null, true, false, 0, -1, 1.5, 1e308, '', 'x', [], [1], {}, { a: 1 }, [[]], '\u0000', 'ü'.repeat(3)];

function jsonType(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
}

/** Every path of a JSON value (objects and arrays), for mutations. */
function paths(v: unknown, at: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  if (Array.isArray(v)) v.forEach((x, i) => { out.push([...at, i]); paths(x, [...at, i], out); });
  else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) { out.push([...at, k]); paths(x, [...at, k], out); }
  return out;
}

function setAt(root: unknown, path: (string | number)[], value: unknown): void {
  let node = root as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  node[path[path.length - 1]!] = value;
}

function getAt(root: unknown, path: (string | number)[]): unknown {
  let node = root as Record<string | number, unknown>;
  for (const key of path) node = node[key] as Record<string | number, unknown>;
  return node;
}

/** The resource with one element replaced by a value of another JSON type. */
function wrongType(rng: Rng, t: FuzzTarget): [string, string] {
  const r = template(rng, t);
  const candidates = paths(r).filter((p) => p[0] !== 'resourceType');
  const path = rng.pick(candidates);
  const old = getAt(r, path);
  const value = rng.pick(WRONG_VALUES.filter((w) => jsonType(w) !== jsonType(old)));
  setAt(r, path, value);
  return [r.resourceType as string, JSON.stringify(r)];
}

/** Invalid UTF-8 in the bytes of an otherwise valid JSON body. */
function invalidUtf8(rng: Rng, body: string): Uint8Array {
  const bad = rng.pick([[0xff], [0xfe, 0xff], [0xc3, 0x28], [0xe2, 0x28, 0xa1], [0xf0, 0x28, 0x8c, 0x28], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0x80], [0xe0, 0x80]]);
  const text = Buffer.from(body, 'utf8');
  // Inside the first string value after "family"/"status"/"text": a string stays a string.
  const at = Math.max(body.indexOf('"Fuzz"'), body.indexOf('"final"'), body.indexOf('"x"'));
  const cut = at >= 0 ? Buffer.byteLength(body.slice(0, at + 2)) : text.length;
  return new Uint8Array(Buffer.concat([text.subarray(0, cut), Buffer.from(bad), text.subarray(cut)]));
}

const SYNTAX_GARBAGE = [
  '', ' ', 'null', 'true', '0', '"x"', '[]', '[{}]', '{', '}', '{"resourceType":"Patient"', '{"resourceType":"Patient",}', "{'resourceType':'Patient'}",
  '{"resourceType":"Patient"} x', '{"resourceType":"Patient"}{"resourceType":"Patient"}', '\ufeff{"resourceType":"Patient"}',
  '{"resourceType":"Patient","active":NaN}', '{"resourceType":"Patient","active":Infinity}', '{"resourceType":"Patient"/*c*/}',
  '{"resourceType":"Patient","birthDate":"1970-01-01\u0000"}', '{"resourceType":"Patient","name":[{"family":"\\u0000"}]}',
  '{"resourceType":"Patient","name":[{"family":"\\ud800"}]}', '{"resourceType":"Patient","name":[{"family":"\\udfff\\ud800"}]}',
  '{"resourceType":"Patient","name":[{"family":"a\\u0000b"}]}', '{"resourceType":"Patient","\\u0000":1}',
  '{"resourceType":"Patient","extension":[{"url":"http://x","valueDecimal":1e999}]}', '{"resourceType":"Patient","extension":[{"url":"http://x","valueInteger":1e999}]}',
  '{"resourceType":"Patient","id":"\\u0000"}', '{"resourceType":"Patient","id":"a/../b"}', '{"resourceType":"Patient\\u0000"}',
  '{"resourceType":["Patient"]}', '{"resourceType":null}', '{"resourceType":"Bundle","type":"transaction","entry":"x"}',
];

const PROTO_KEYS = ['__proto__', 'constructor', 'prototype', '__defineGetter__', 'hasOwnProperty', 'toString', 'valueOf'];

/** A JSON body with a prototype-pollution key spliced in at some depth. */
function protoBody(rng: Rng, t: FuzzTarget): [string, string] {
  const r = template(rng, t);
  const key = rng.pick(PROTO_KEYS);
  const payload = rng.pick(['{"polluted":true}', '{"prototype":{"polluted":true}}', '"x"', '{"resourceType":"Observation","id":"x"}', '{"versionId":"99","tenant":"other"}']);
  const text = JSON.stringify(r);
  const where = rng.int(3);
  if (where === 0) return [r.resourceType as string, `{"${key}":${payload},${text.slice(1)}`];
  if (where === 1) return [r.resourceType as string, text.replace('{"resourceType"', `{"meta":{"${key}":${payload}},"resourceType"`)];
  return [r.resourceType as string, text.replace(/\}$/, `,"extension":[{"url":"http://x","${key}":${payload}}]}`)];
}

const GARBAGE_VALUES = [
  '%', '%%', '%G1', '%E0%A4%A', '%C0%AF', '%ED%A0%80', '%FF%FE', '%00', '%u0000', '\u0000', '\uffff', '\ud800', 'ü', '🦠', ' ', '\t', '\n', '\r\n',
  'ge', 'gt', 'eq', 'apx', 'ge2020-13-45', 'lt0000-00-00', '2020-02-30', '9999-99-99T99:99:99Z', '2020-01-01T00:00:00+99:99', '-0', '1e99999', '-1e-99999', 'NaN', 'Infinity',
  '|', '||', '|||', 'a|b|c|d', '$', '$$', 'a$b$c$d', ',', ',,,', '\\', '\\,', '\\$', '\\|', 'Patient/', '/', '//', 'Patient/../x', 'http://', 'urn:', '#', '?', '&', '=',
  ':', '::', 'x:y:z', '[]', '{}', 'null', 'true', 'maybe', '0x1F', '٣', '1'.repeat(400), 'a'.repeat(5000), '%'.repeat(300), '%25'.repeat(100),
];

function garbage(rng: Rng): string {
  if (rng.chance(0.25)) return rng.pick(SQL_PAYLOADS).replaceAll('{t}', 'other');
  const g = rng.pick(GARBAGE_VALUES);
  return rng.chance(0.2) ? `${g}${rng.pick(GARBAGE_VALUES)}` : g;
}

/** A raw query string component: garbage as is (malformed escapes kept) or percent-encoded. */
function q(rng: Rng, s: string): string {
  if (/^[\x21-\x7e]*$/.test(s) && rng.chance(0.5)) return s.replace(/[#&]/g, (c) => encodeURIComponent(c));
  // A lone surrogate has no UTF-8 form: send the bytes it would have (invalid UTF-8) instead.
  return s.replace(/[\s\S]/gu, (ch) => (/[\ud800-\udfff]/.test(ch) ? '%ED%A0%80' : encodeURIComponent(ch)));
}

const MODIFIERS = ['', '', ':exact', ':contains', ':missing', ':not', ':text', ':below', ':above', ':identifier', ':Patient', ':of-type', ':iterate', ':foo', ':', '::', ':missing:not'];

/** Every search parameter of every type, each with a garbage value (the systematic part). */
export function everyParameterCases(rng: Rng, t: FuzzTarget): FuzzCase[] {
  const out: FuzzCase[] = [];
  for (const type of resourceTypes()) {
    const defs = [...getSearchParams(type).values()];
    // Parameters of the type itself, plus a few of the common ones (each common one is covered across types).
    const own = defs.filter((d) => !d.base.includes('Resource') && !d.base.includes('DomainResource'));
    const common = defs.filter((d) => d.base.includes('Resource') || d.base.includes('DomainResource'));
    for (const def of [...own, ...(common.length ? [rng.pick(common), rng.pick(common)] : [])]) {
      const key = `${def.code}${rng.pick(MODIFIERS)}`;
      const chain = def.type === 'reference' && rng.chance(0.3) ? `.${rng.pick(['name', '_id', 'identifier', 'garbage', 'subject.name'])}` : '';
      out.push({
        family: `param:${def.type}`, method: 'GET', path: `/tenants/${t.reject}/fhir/${type}?${q(rng, key + chain)}=${q(rng, garbage(rng))}`, headers: rng.chance(0.2) ? [['prefer', 'handling=strict']] : [], mustReject: false,
      });
    }
  }
  return out;
}

type Make = (rng: Rng, t: FuzzTarget) => FuzzCase;

const reject = (family: string, method: string, path: string, body: string | Uint8Array | undefined, headers: [string, string][] = [FHIR_JSON]): FuzzCase => ({ family, method, path, headers, body, mustReject: true });

const DEPTHS = [65, 100, 1_000, 10_000, 100_000];

const makers: [weight: number, make: Make][] = [
  // JSON nesting beyond the limit, in every kind of body.
  [6, (rng, t) => {
    const depth = rng.pick(DEPTHS);
    const base = `/tenants/${t.reject}/fhir`;
    return rng.pick<() => FuzzCase>([
      () => reject('json-depth', 'POST', `${base}/Patient`, `{"resourceType":"Patient","extension":[${deepExtension(depth)}]}`),
      () => reject('json-depth', 'POST', `${base}/Patient`, `{"resourceType":"Patient","name":${nested(rng, depth)}}`),
      () => reject('json-depth', 'PUT', `${base}/Patient/${t.patient}`, `{"resourceType":"Patient","id":"${t.patient}","x":${nested(rng, depth)}}`),
      () => reject('json-depth', 'POST', base, `{"resourceType":"Bundle","type":"${rng.pick(['transaction', 'batch'])}","entry":[{"request":{"method":"POST","url":"Patient"},"resource":{"resourceType":"Patient","extension":[${deepExtension(depth)}]}}]}`),
      () => reject('json-depth', 'POST', `${base}/Patient/$validate`, `{"resourceType":"Patient","contained":${nested(rng, depth)}}`),
      () => reject('json-depth', 'PATCH', `${base}/Patient/${t.patient}`, `[{"op":"add","path":"/extension","value":[${deepExtension(depth)}]}]`, [['content-type', 'application/json-patch+json']]),
      () => reject('json-depth', 'POST', `${base}/ViewDefinition/$run`, `{"resourceType":"Parameters","parameter":[{"name":"viewResource","resource":{"resourceType":"ViewDefinition","status":"active","resource":"Patient","select":[${nested(rng, depth, { column: [{ name: 'x1', path: 'id' }] })}]}}]}`),
      () => reject('json-depth', 'PATCH', `/admin/tenants/${t.reject}`, `{"config":${nested(rng, depth)}}`, [FHIR_JSON, ADMIN]),
    ])();
  }],
  // Huge arrays: of garbage (refused) or of valid elements (may be stored).
  [2, (rng, t) => {
    const n = rng.pick([1_000, 10_000, 50_000]);
    const garbageArray = `[${Array.from({ length: n }, () => rng.pick(['1', 'null', '"x"', '[]'])).join(',')}]`;
    const base = `/tenants/${t.reject}/fhir`;
    return rng.pick<() => FuzzCase>([
      () => reject('huge-array', 'POST', `${base}/Patient`, `{"resourceType":"Patient","name":${garbageArray}}`),
      () => ({ family: 'huge-array', method: 'POST', path: `${base}/Observation/$validate`, headers: [FHIR_JSON], body: `{"resourceType":"Observation","status":"final","code":{"text":"x"},"component":${garbageArray}}`, mustReject: false }),
      () => reject('huge-array', 'POST', base, `{"resourceType":"Bundle","type":"transaction","entry":${garbageArray}}`),
      () => reject('huge-array', 'POST', base, JSON.stringify({ resourceType: 'Bundle', type: 'transaction', entry: Array.from({ length: 10_001 }, () => ({ request: { method: 'GET', url: 'Patient' } })) })),
      () => ({ family: 'huge-array', method: 'POST', path: `/tenants/${t.any}/fhir/Patient`, headers: [FHIR_JSON], body: JSON.stringify({ resourceType: 'Patient', name: Array.from({ length: Math.min(n, 2_000) }, (_, i) => ({ family: `F${i}` })) }), mustReject: false }),
    ])();
  }],
  // One element of a valid resource replaced by a value of the wrong JSON type.
  [12, (rng, t) => {
    const [type, body] = wrongType(rng, t);
    return rng.chance(0.7)
      ? reject('wrong-type', 'POST', `/tenants/${t.reject}/fhir/${type}`, body)
      : { family: 'wrong-type', method: 'POST', path: `/tenants/${t.reject}/fhir/${type}/$validate`, headers: [FHIR_JSON], body, mustReject: false };
  }],
  [4, (rng, t) => {
    const [type, body] = wrongType(rng, t);
    return reject('invalid-utf8', rng.pick(['POST', 'POST', 'PUT']), `/tenants/${t.reject}/fhir/${type}`, invalidUtf8(rng, body));
  }],
  [6, (rng, t) => {
    const body = rng.pick(SYNTAX_GARBAGE);
    const base = `/tenants/${t.reject}/fhir`;
    const [method, path, headers] = rng.pick<[string, string, [string, string][]]>([
      ['POST', `${base}/Patient`, [FHIR_JSON]], ['PUT', `${base}/Patient/${t.patient}`, [FHIR_JSON]], ['POST', base, [FHIR_JSON]],
      ['POST', `${base}/Patient/$validate`, [FHIR_JSON]], ['PATCH', `${base}/Patient/${t.patient}`, [['content-type', 'application/json-patch+json']]],
      ['PATCH', `${base}/Patient/${t.patient}`, [FHIR_JSON]], ['POST', `${base}/ViewDefinition/$run`, [FHIR_JSON]], ['POST', '/admin/tenants', [FHIR_JSON, ADMIN]],
      ['PATCH', `/admin/tenants/${t.any}`, [FHIR_JSON, ADMIN]], ['POST', '/admin/access-policies', [FHIR_JSON, ADMIN]],
    ]);
    // May be fine: a tenant PATCH ignores unknown keys, $validate answers 200 with its findings, an
    // empty JSON Patch is a no-op, and a UTF-8 byte order mark may be skipped (RFC 8259 §8.1).
    const lenient = path.endsWith(t.any) || path.endsWith('$validate') || body === '[]' || body.startsWith('\ufeff');
    if (lenient) return { family: 'json-syntax', method, path: path.replace(t.reject, t.any), headers, body, mustReject: false };
    return reject('json-syntax', method, path, body, headers);
  }],
  [3, (rng, t) => {
    const [type, body] = protoBody(rng, t);
    return reject('proto-keys', 'POST', `/tenants/${t.reject}/fhir/${type}`, body);
  }],
  [2, (rng, t) => {
    const key = rng.pick(PROTO_KEYS);
    const base = `/tenants/${t.reject}/fhir`;
    return rng.pick<() => FuzzCase>([
      () => reject('proto-keys', 'PATCH', `${base}/Patient/${t.patient}`, JSON.stringify([{ op: 'add', path: `/${key}/polluted`, value: true }]), [['content-type', 'application/json-patch+json']]),
      () => reject('proto-keys', 'PATCH', `${base}/Patient/${t.patient}`, JSON.stringify([{ op: 'add', path: `/${key}`, value: { polluted: true } }]), [['content-type', 'application/json-patch+json']]),
      () => reject('proto-keys', 'PATCH', `${base}/Patient/${t.patient}`, `[{"op":"replace","path":"/active","value":false,"${key}":{"op":"remove","path":"/name"}},{"op":"test","path":"/id","value":"nope"}]`, [['content-type', 'application/json-patch+json']]),
      () => reject('proto-keys', 'POST', base, `{"resourceType":"Bundle","type":"transaction","entry":[{"request":{"method":"POST","url":"Patient","${key}":{"method":"DELETE"}},"resource":{"resourceType":"Patient","${key}":{"active":true}}}]}`),
      () => reject('proto-keys', 'POST', `${base}/ViewDefinition/$run`, `{"resourceType":"Parameters","${key}":{"parameter":[]},"parameter":[{"name":"${key}"}]}`),
      () => ({ family: 'proto-keys', method: 'PATCH', path: `/admin/tenants/${t.any}`, headers: [FHIR_JSON, ADMIN], body: `{"config":{"${key}":{"referentialIntegrity":false,"maxCount":1}}}`, mustReject: false }),
    ])();
  }],
  // Duplicate keys: JSON.parse keeps the last; may be accepted, never a 5xx.
  [3, (rng, t) => {
    const body = rng.pick([
      '{"resourceType":"Patient","resourceType":"Observation","status":"final","code":{"text":"x"}}',
      '{"resourceType":"Observation","resourceType":"Patient"}',
      `{"resourceType":"Patient","id":"${t.patient}","id":"other-id"}`,
      '{"resourceType":"Patient","active":true,"active":"yes"}',
      '{"resourceType":"Patient","meta":{"versionId":"1","versionId":"99"}}',
      '{"resourceType":"Bundle","type":"batch","type":"transaction","entry":[{"request":{"method":"GET","url":"Patient"},"request":{"method":"DELETE","url":"Patient?_id=x"}}]}',
    ]);
    const path = body.includes('"Bundle"') ? `/tenants/${t.any}/fhir` : rng.pick([`/tenants/${t.any}/fhir/Patient`, `/tenants/${t.any}/fhir/Observation`, `/tenants/${t.any}/fhir/Patient/${t.patient}`]);
    return { family: 'duplicate-keys', method: path.endsWith(t.patient) ? 'PUT' : 'POST', path, headers: [FHIR_JSON], body, mustReject: false };
  }],
  [5, (rng, t) => {
    const body = JSON.stringify(template(rng, t));
    const type = JSON.parse(body).resourceType as string;
    const media = rng.pick(['text/plain', 'application/xml', 'application/fhir+xml', 'multipart/form-data; boundary=x', 'application/x-www-form-urlencoded', 'application/jsonx', 'json', '*/*', 'application/json-patch+json', '']);
    if (rng.chance(0.1)) {
      // A JSON media type with an odd charset: the bytes are UTF-8 all the same, so it may be stored.
      return { family: 'content-type', method: 'POST', path: `/tenants/${t.any}/fhir/${type}`, headers: [['content-type', 'application/fhir+json; charset=ebcdic']], body, mustReject: false };
    }
    return reject('content-type', rng.pick(['POST', 'PUT']), rng.pick([`/tenants/${t.reject}/fhir/${type}`, `/tenants/${t.reject}/fhir/${type}/x1`]), body, [['content-type', media]]);
  }],
  // Bundles with malformed entries: a transaction is refused whole; a batch answers each entry.
  [8, (rng, t) => {
    const entry = rng.pick<unknown[]>([
      ['x'], [{}], [{ request: 'x' }], [{ request: { method: 5, url: [] } }], [{ request: { method: 'GET' } }], [{ request: { method: 'FOO', url: 'Patient' } }],
      [{ request: { method: 'POST', url: 'Patient' } }], [{ request: { method: 'POST', url: 'Patient' }, resource: 'x' }], [{ request: { method: 'PUT', url: 'Patient' }, resource: { resourceType: 'Patient' } }],
      [{ request: { method: 'PUT', url: 'Patient/a/b/c' }, resource: { resourceType: 'Patient', id: 'a' } }], [{ request: { method: 'PUT', url: `Patient/${t.patient}` }, resource: { resourceType: 'Observation', id: t.patient } }],
      [{ request: { method: 'GET', url: `Patient?${garbage(rng)}=${garbage(rng)}` } }], [{ request: { method: 'GET', url: `${garbage(rng)}` } }],
      [{ request: { method: 'DELETE', url: `Patient?${garbage(rng)}` } }, { request: { method: 'POST', url: 'Patient' }, resource: { resourceType: 'Patient', active: 'no' } }],
      [{ request: { method: 'PATCH', url: `Patient/${t.patient}` }, resource: { resourceType: 'Binary', data: '!!!notbase64' } }],
      [{ request: { method: 'PATCH', url: `Patient/${t.patient}` }, resource: { resourceType: 'Binary', data: Buffer.from('[{"op":"add","path":"/name/0/family","value":"\\u0000"}]').toString('base64') } }],
      [{ request: { method: 'PATCH', url: `Patient/${t.patient}` }, resource: { resourceType: 'Binary', data: Buffer.from(`[{"op":"add","path":"/extension","value":[${deepExtension(200)}]}]`).toString('base64') } }],
      [{ request: { method: 'POST', url: 'Observation' }, resource: { resourceType: 'Observation', status: 'final', code: { text: 'x' }, subject: { reference: `Patient?${garbage(rng)}` } } }],
      [{ fullUrl: garbage(rng), request: { method: 'POST', url: 'Patient', ifNoneExist: garbage(rng) }, resource: { resourceType: 'Patient', active: 3 } }],
      [{ request: { method: 'PUT', url: `Patient/${t.patient}`, ifMatch: garbage(rng) }, resource: { resourceType: 'Patient', id: t.patient } }],
      [{ request: { method: 'POST', url: 'Patient' }, resource: { resourceType: 'Patient', name: [{ family: '\u0000' }] } }],
      [{ request: { method: 'POST', url: 'Patient' }, resource: { resourceType: 'Patient', name: [{ family: '\ud800' }] } }],
    ]);
    // GET entries with odd queries are lenient searches (unknown parameters ignored): they may succeed, and change nothing.
    const reads = entry.every((e) => typeof e === 'object' && e !== null && (e as { request?: { method?: unknown } }).request?.method === 'GET');
    return { ...reject('bundle', 'POST', `/tenants/${t.reject}/fhir`, JSON.stringify({ resourceType: 'Bundle', type: rng.pick(['transaction', 'batch']), entry })), mustReject: !reads };
  }],
  [6, (rng, t) => {
    const bad = rng.pick<unknown>([
      { op: 'add' }, { op: 'nope', path: '/x' }, { op: 'add', path: 'name', value: 1 }, { op: 'add', path: '/name/999999/family', value: 'x' },
      { op: 'remove', path: '/resourceType' }, { op: 'replace', path: '/id', value: 'other' }, { op: 'move', from: '/name', path: '/name/0' },
      { op: 'copy', from: '/nope', path: '/x' }, { op: 'add', path: '/~2', value: 1 }, { op: 'add', path: `/${garbage(rng)}`, value: garbage(rng) },
      { op: 'add', path: '/name/0/family', value: '\u0000' }, { op: 'add', path: '/name/0/family', value: '\ud800' }, { op: 'test', path: '/active', value: 'maybe' },
      { op: 'replace', path: '/meta/versionId', value: 5 }, { op: 'add', path: '/gender', value: 'not-a-code' }, 'x', 5, null,
    ]);
    const base = `/tenants/${t.reject}/fhir`;
    if (rng.chance(0.6)) return reject('patch', 'PATCH', `${base}/Patient/${t.patient}`, JSON.stringify(Array.isArray(bad) ? bad : [bad]), [['content-type', 'application/json-patch+json']]);
    if (rng.chance(0.2)) {
      // Well-formed patches that may apply (an empty one, a date the R4 regex allows): on the other tenant.
      const maybe = rng.pick<unknown[]>([[], [{ op: 'add', path: '/birthDate', value: '2020-02-30' }], [{ op: 'replace', path: '/active', value: false }]]);
      return { family: 'patch', method: 'PATCH', path: `/tenants/${t.any}/fhir/Patient/${t.patient}`, headers: [['content-type', 'application/json-patch+json']], body: JSON.stringify(maybe), mustReject: false };
    }
    const part = [{ name: 'type', valueCode: rng.pick(['add', 'replace', 'delete', 'move', 'insert', 'nope']) }, { name: 'path', valueString: rng.pick(['Patient.name', 'Patient', '', 'Patient.name.where(', 'Patient.id', garbage(rng)]) }, { name: 'name', valueString: garbage(rng) }, { name: 'value', valueString: garbage(rng) }];
    const malformed = rng.pick<unknown>([{ resourceType: 'Parameters', parameter: 'x' }, { resourceType: 'Parameters', parameter: [{ name: 'operation', part: 'x' }] }, { resourceType: 'Patient' }, { resourceType: 'Parameters', parameter: [{ name: 'operation' }] }]);
    return rng.chance(0.5)
      ? reject('patch', 'PATCH', rng.pick([`${base}/Patient/${t.patient}`, `${base}/Patient?_id=${t.patient}`]), JSON.stringify(malformed))
      // A FHIRPath Patch of garbage parts may still be a valid delete: on the other tenant.
      : { family: 'patch', method: 'PATCH', path: rng.pick([`/tenants/${t.any}/fhir/Patient/${t.patient}`, `/tenants/${t.any}/fhir/Patient?_id=${t.patient}`]), headers: [FHIR_JSON], body: JSON.stringify({ resourceType: 'Parameters', parameter: [{ name: 'operation', part }] }), mustReject: false };
  }],
  [5, (rng, t) => {
    const column = rng.pick<unknown[]>([
      [{ name: garbage(rng), path: 'id' }], [{ name: 'c1', path: garbage(rng) }], [{ name: 'c1', path: 'name.family', type: garbage(rng) }],
      [{ name: 'c1', path: "iif(id, 1 / 0, 'x')" }], [{ name: 'c1', path: "'a'.substring(99999999999)" }], [{ name: 'c1', path: 'birthDate + 99999999 years' }],
      [{ name: 'c1', path: 'id' }, { name: 'c1', path: 'id' }], [{ name: 'x', path: 'id' }], [{ name: 'v', path: 'id' }], [{ name: 'row', path: 'id' }],
      [{ name: 'c1', path: "name.where(family = '\\u0000')" }], [{ name: 'c1', path: `%${garbage(rng)}` }], [{ name: 'c1', path: "extension('http://x').value" }],
    ]);
    const where = rng.chance(0.3) ? [{ path: rng.pick([garbage(rng), 'birthDate > @2020-02-30', 'birthDate > @0000-01-01', '1 / 0 = 1', "id = '\\'; drop table resource; --'"]) }] : undefined;
    const view = { resourceType: 'ViewDefinition', status: rng.pick(['active', 'active', garbage(rng)]), resource: rng.pick(['Patient', 'Patient', garbage(rng), 'ViewDefinition']), select: [{ column }], ...(where ? { where } : {}) };
    const query = rng.chance(0.3) ? `?_format=${q(rng, garbage(rng))}&_limit=${q(rng, garbage(rng))}` : '';
    return { family: 'run', method: 'POST', path: `/tenants/${t.reject}/fhir/ViewDefinition/$run${query}`, headers: [FHIR_JSON], body: JSON.stringify({ resourceType: 'Parameters', parameter: [{ name: 'viewResource', resource: view }] }), mustReject: false };
  }],
  // URLs: overlong, malformed escapes, odd segments, in every position of the route table.
  [10, (rng, t) => {
    const seg = () => q(rng, garbage(rng));
    const base = `/tenants/${t.reject}/fhir`;
    const long = (n: number) => 'a'.repeat(n);
    const path = rng.pick([
      `${base}/${seg()}`, `${base}/Patient/${seg()}`, `${base}/Patient/${t.patient}/_history/${seg()}`, `${base}/Patient/${seg()}/_history`,
      `${base}/${seg()}/${seg()}`, `${base}/Patient/${t.patient}/${seg()}`, `${base}/Patient/${t.patient}/$${seg()}`, `${base}/$${seg()}`,
      `${base}/Patient/${long(rng.pick([65, 1_000, 100_000]))}`, `${base}/${long(rng.pick([1_000, 70_000]))}`, `${base}/Patient?${long(200_000)}=1`,
      `${base}/Patient?name=${long(rng.pick([10_000, 500_000]))}`, `/tenants/${seg()}/fhir/Patient`, `/tenants/${long(64)}/fhir/Patient`, `${base}/%`, `${base}/Patient/%ZZ`,
      `${base}/Patient/${t.patient}/_history/${'9'.repeat(30)}`, `${base}/Patient/${t.patient}/_history/-1`, `${base}/Patient/${t.patient}/_history/0`,
      `${base}/_history?_since=${seg()}`, `${base}/Patient/_history?_count=${seg()}&_offset=${seg()}`, `${base}/?_type=${seg()}`, `${base}/Patient/${t.patient}/Observation?${seg()}=${seg()}`,
      `${base}/Patient?_count=${seg()}`, `${base}/Patient?_offset=${seg()}`, `${base}/Patient?_sort=${seg()}`, `${base}/Patient?_summary=${seg()}`, `${base}/Patient?_elements=${seg()}`,
      `${base}/Patient?_total=${seg()}`, `${base}/Patient?_include=${seg()}`, `${base}/Patient?_revinclude:iterate=${seg()}`, `${base}/Patient?_include=Patient:${seg()}`,
      `${base}/Patient?_has:${seg()}=${seg()}`, `${base}/Patient?_has:Observation:${seg()}:code=1`, `${base}/Observation?subject.${seg()}=${seg()}`, `${base}/Observation?subject:${seg()}.name=x`,
      `${base}/Patient?${Array.from({ length: rng.pick([51, 200, 2_000]) }, (_, i) => `name=${i}`).join('&')}`, `${base}/ViewDefinition/${t.patient}/$run?${seg()}=${seg()}`,
      `${base}/metadata?${seg()}`, `/shared/fhir/${seg()}`, `/admin/tenants/${seg()}`, `/admin/audit?limit=${seg()}&tenant=${seg()}`, `/${seg()}`, `/fhir/${seg()}`,
    ]);
    const method = rng.pick(['GET', 'GET', 'GET', 'DELETE', 'HEAD', 'OPTIONS', 'FOO', 'PROPFIND']);
    const headers: [string, string][] = path.startsWith('/admin') ? [ADMIN] : [];
    return { family: 'url', method, path, headers, mustReject: method !== 'GET' && method !== 'HEAD' };
  }],
  [6, (rng, t) => {
    const header = rng.pick(['if-match', 'if-none-exist', 'prefer', 'accept', 'x-request-id', 'authorization', 'x-tenant-id', 'if-none-match', 'content-length', 'range', 'x-http-method-override']);
    const value = garbage(rng).replace(/[^\x20-\x7e]/g, '') || 'x';
    const base = `/tenants/${t.reject}/fhir`;
    const [method, path, body] = rng.pick<[string, string, string | undefined]>([
      ['GET', `${base}/Patient/${t.patient}`, undefined], ['GET', `${base}/Patient?name=Fuzz`, undefined],
      ['PUT', `${base}/Patient/${t.patient}`, JSON.stringify({ resourceType: 'Patient', id: t.patient, active: 'not a boolean' })],
      ['POST', `${base}/Patient`, JSON.stringify({ resourceType: 'Patient', gender: 'not a code' })], ['DELETE', `${base}/Patient/does-not-exist`, undefined],
    ]);
    if (header === 'content-length') return reject('header', method === 'GET' ? 'POST' : method, path, body ?? '{}', [FHIR_JSON]);
    return { family: 'header', method, path, headers: [...(body ? [FHIR_JSON] : []), [header, value]], body, mustReject: method !== 'GET' };
  }],
  [3, (rng, t) => {
    // POST _search with a form body of garbage.
    const form = Array.from({ length: rng.between(1, 5) }, () => `${q(rng, garbage(rng))}=${q(rng, garbage(rng))}`).join('&');
    return { family: 'form-search', method: 'POST', path: `/tenants/${t.reject}/fhir/${rng.pick(['Patient', 'Observation'])}/_search`, headers: [['content-type', rng.pick(['application/x-www-form-urlencoded', 'application/json', 'text/plain'])]], body: form, mustReject: false };
  }],
  [3, (rng, t) => {
    const bad = { id: 'x', client: garbage(rng), tenant: garbage(rng), allow: garbage(rng) };
    const [method, path, bodies] = rng.pick<[string, string, unknown[]]>([
      // Never a valid tenant id (a garbage value can be one: "ge2020-13-45"), so nothing is created.
      ['POST', '/admin/tenants', [{ id: `Bad ${garbage(rng)}`, name: garbage(rng) }, { id: t.reject, name: 'dup' }, { id: 'UPPER', name: 'x' }, { id: 'a'.repeat(64), name: 'x' }, { id: 'ok-id', name: 5 }, { id: 'ok-id', name: 'x', config: [] }]],
      ['PATCH', `/admin/tenants/${t.reject}`, [{ name: 5 }, { name: '' }, { name: 'x'.repeat(201) }, { status: 'deleted' }, { status: garbage(rng) }, { config: [] }, { config: 'x' }, { config: null }]],
      ['POST', '/admin/access-policies', [bad, {}, []]], ['PUT', `/admin/access-policies/${q(rng, garbage(rng))}`, [bad]], ['POST', '/admin/access/explain', [bad, { url: garbage(rng) }]],
    ]);
    return reject('admin', method, path, JSON.stringify(rng.pick(bodies)), [FHIR_JSON, ADMIN]);
  }],
];

export function randomCase(rng: Rng, t: FuzzTarget): FuzzCase {
  return rng.weighted(makers.map(([w, m]) => [w, m] as const))(rng, t);
}
