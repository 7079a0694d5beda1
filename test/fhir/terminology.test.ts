import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, startTestServer, type TestServer } from '../helpers/app.js';

/*
 * Terminology (issue 14 item 6, and metadata?mode=terminology of item 1): the operations on a
 * small shared CodeSystem (three levels: nested concepts and a `parent` property), shared
 * ValueSets and ConceptMap, and one ValueSet of tenant A only; the token modifiers they enable;
 * UCUM-canonical quantities. Tenant B must not reach tenant A's ValueSet by any path.
 */

type Json = Record<string, any>;
const CS = 'http://example.org/cs/body';
const VS_LIMBS = 'http://example.org/vs/limbs';
const VS_NO_LEG = 'http://example.org/vs/no-leg';
const VS_A = 'http://example.org/vs/a-only';
const CM = 'http://example.org/cm/body-to-sct';
const SCT = 'http://snomed.info/sct';
const UCUM = 'http://unitsofmeasure.org';

let s: TestServer;

async function putShared(type: string, id: string, body: Json): Promise<void> {
  const res = await s.request(`/shared/fhir/${type}/${id}`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/fhir+json' },
    body: JSON.stringify({ resourceType: type, id, ...body }),
  });
  expect(res.status, await res.clone().text()).toBeLessThan(300);
}

async function put(t: string, type: string, id: string, body: Json): Promise<void> {
  const res = await s.fhir(t, `/${type}/${id}`, { method: 'PUT', json: { resourceType: type, id, ...body } });
  expect(res.status, await res.clone().text()).toBeLessThan(300);
}

async function get(t: string, path: string): Promise<{ status: number; body: Json }> {
  const res = await s.fhir(t, path);
  return { status: res.status, body: await res.json() };
}

async function post(t: string, path: string, parameter: Json[]): Promise<{ status: number; body: Json }> {
  const res = await s.fhir(t, path, { json: { resourceType: 'Parameters', parameter } });
  return { status: res.status, body: await res.json() };
}

const part = (p: Json, name: string) => p.parameter?.find((x: Json) => x.name === name);
const codes = (vs: Json) => (vs.expansion?.contains ?? []).map((c: Json) => c.code).sort();
const ids = (bundle: Json) => (bundle.entry ?? []).filter((e: Json) => e.search?.mode === 'match').map((e: Json) => e.resource.id).sort();

const obs = (id: string, system: string, code: string, extra: Json = {}) => ({ status: 'final', code: { coding: [{ system, code }] }, ...extra, id });

beforeAll(async () => {
  s = await startTestServer();
  await s.createTenants('term-a', 'term-b');
  await putShared('CodeSystem', 'body', {
    url: CS, version: '1', name: 'Body', status: 'active', content: 'complete',
    concept: [
      { code: 'root', display: 'Body', concept: [
        { code: 'limb', display: 'Limb', concept: [
          { code: 'arm', display: 'Arm', designation: [{ language: 'de', value: 'Arm (de)' }], property: [{ code: 'colour', valueCode: 'red' }] },
          { code: 'leg', display: 'Leg', property: [{ code: 'colour', valueCode: 'blue' }] },
        ] },
        { code: 'head', display: 'Head' },
      ] },
      // A third level through the `parent` property rather than nesting.
      { code: 'eye', display: 'Eye', property: [{ code: 'parent', valueCode: 'head' }] },
    ],
  });
  await putShared('ValueSet', 'limbs', { url: VS_LIMBS, status: 'active', compose: { include: [{ system: CS, filter: [{ property: 'concept', op: 'is-a', value: 'limb' }] }] } });
  await putShared('ValueSet', 'no-leg', { url: VS_NO_LEG, status: 'active', compose: { include: [{ system: CS }], exclude: [{ system: CS, concept: [{ code: 'leg' }] }] } });
  await putShared('ValueSet', 'done', { url: 'http://example.org/vs/done', status: 'active', compose: { include: [{ system: 'http://hl7.org/fhir/observation-status', concept: [{ code: 'final' }, { code: 'amended' }] }] } });
  await putShared('ConceptMap', 'body-to-sct', {
    url: CM, status: 'active',
    group: [{ source: CS, target: SCT, element: [
      { code: 'arm', target: [{ code: '53120007', display: 'Upper limb', equivalence: 'equivalent' }] },
      { code: 'leg', target: [{ code: '61685007', display: 'Lower limb', equivalence: 'wider' }] },
    ] }],
  });
  await put('term-a', 'ValueSet', 'a-only', { url: VS_A, status: 'active', compose: { include: [{ system: CS, concept: [{ code: 'eye' }, { code: 'arm' }] }] } });
  await put('term-a', 'CodeSystem', 'a-local', { url: 'http://example.org/cs/a-local', status: 'active', content: 'complete', concept: [{ code: 'x' }] });
  await put('term-a', 'ValueSet', 'cycle1', { url: 'http://example.org/vs/cycle1', status: 'active', compose: { include: [{ valueSet: ['http://example.org/vs/cycle2'] }] } });
  await put('term-a', 'ValueSet', 'cycle2', { url: 'http://example.org/vs/cycle2', status: 'active', compose: { include: [{ valueSet: ['http://example.org/vs/cycle1'] }] } });
  const observations = [
    ...[['o-arm', 'arm'], ['o-leg', 'leg'], ['o-eye', 'eye'], ['o-limb', 'limb']].map(([id = '', code = '']) => obs(id, CS, code)),
    obs('o-other', 'http://other.example.org', 'arm'),
  ];
  const quantities = [
    obs('o-ug', 'http://loinc.org', '2345-7', { valueQuantity: { value: 5400, unit: 'ug', system: UCUM, code: 'ug' } }),
    obs('o-rate', 'http://loinc.org', '8867-4', { valueQuantity: { value: 1.5, unit: 'beats/s', system: UCUM, code: '{beats}/s' } }),
    obs('o-kg', 'http://loinc.org', '2345-7', { valueQuantity: { value: 2, unit: 'kg', system: UCUM, code: 'kg' } }),
  ];
  for (const [t, list] of [['term-a', [...observations, ...quantities]], ['term-b', observations]] as const) {
    const entry = list.map((o) => ({ resource: { resourceType: 'Observation', ...o }, request: { method: 'PUT', url: `Observation/${o.id}` } }));
    const res = await s.fhir(t, '/', { json: { resourceType: 'Bundle', type: 'transaction', entry } });
    expect(res.status, await res.clone().text()).toBe(200);
  }
});
afterAll(() => s.close());

describe('ValueSet/$expand', () => {
  it('expands by url (GET) over the hierarchy, with total and contains', async () => {
    const { status, body } = await get('term-a', `/ValueSet/$expand?url=${encodeURIComponent(VS_LIMBS)}`);
    expect(status).toBe(200);
    expect(body.resourceType).toBe('ValueSet');
    expect(body.expansion.total).toBe(3);
    expect(codes(body)).toEqual(['arm', 'leg', 'limb']);
    expect(body.expansion.contains.find((c: Json) => c.code === 'arm')).toMatchObject({ system: CS, display: 'Arm' });
  });

  it('expands by instance, with exclude, count and offset', async () => {
    const all = await get('term-a', '/ValueSet/no-leg/$expand');
    expect(all.status).toBe(200);
    expect(codes(all.body)).toEqual(['arm', 'eye', 'head', 'limb', 'root']);
    const page = await get('term-a', '/ValueSet/no-leg/$expand?count=2&offset=1');
    expect(page.body.expansion.total).toBe(5);
    expect(page.body.expansion.offset).toBe(1);
    expect(page.body.expansion.contains).toHaveLength(2);
  });

  it('expands by url in a POSTed Parameters, with a text filter', async () => {
    const { status, body } = await post('term-a', '/ValueSet/$expand', [{ name: 'url', valueUri: VS_LIMBS }, { name: 'filter', valueString: 'AR' }]);
    expect(status).toBe(200);
    expect(codes(body)).toEqual(['arm']);
    expect(body.expansion.total).toBe(1);
  });

  it('expands a POSTed valueSet: descendent-of, is-not-a, property =, concept lists and imports', async () => {
    const expand = async (compose: Json) => {
      const r = await post('term-a', '/ValueSet/$expand', [{ name: 'valueSet', resource: { resourceType: 'ValueSet', status: 'active', compose } }]);
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      return codes(r.body);
    };
    expect(await expand({ include: [{ system: CS, filter: [{ property: 'concept', op: 'descendent-of', value: 'limb' }] }] })).toEqual(['arm', 'leg']);
    expect(await expand({ include: [{ system: CS, filter: [{ property: 'concept', op: 'is-not-a', value: 'limb' }] }] })).toEqual(['eye', 'head', 'root']);
    expect(await expand({ include: [{ system: CS, filter: [{ property: 'concept', op: 'is-a', value: 'head' }] }] })).toEqual(['eye', 'head']);
    expect(await expand({ include: [{ system: CS, filter: [{ property: 'colour', op: '=', value: 'red' }] }] })).toEqual(['arm']);
    expect(await expand({ include: [{ system: CS, concept: [{ code: 'head' }] }, { valueSet: [VS_LIMBS] }], exclude: [{ system: CS, concept: [{ code: 'limb' }] }] })).toEqual(['arm', 'head', 'leg']);
  });

  it('refuses an import cycle (400) and an expansion past the cap (400 too-costly)', async () => {
    const cycle = await get('term-a', '/ValueSet/cycle1/$expand');
    expect(cycle.status).toBe(400);
    const concept = Array.from({ length: 10_001 }, (_, i) => ({ code: `c${i}` }));
    const big = await post('term-a', '/ValueSet/$expand', [{ name: 'valueSet', resource: { resourceType: 'ValueSet', status: 'active', compose: { include: [{ system: 'http://example.org/big', concept }] } } }]);
    expect(big.status).toBe(400);
    expect(big.body.issue[0].code).toBe('too-costly');
    const regex = await post('term-a', '/ValueSet/$expand', [{ name: 'valueSet', resource: { resourceType: 'ValueSet', status: 'active', compose: { include: [{ system: CS, filter: [{ property: 'code', op: 'regex', value: '(a+)+b' }] }] } } }]);
    expect(regex.status).toBe(400);
  });

  it("sees the tenant's own ValueSet in that tenant only", async () => {
    expect(codes((await get('term-a', `/ValueSet/$expand?url=${encodeURIComponent(VS_A)}`)).body)).toEqual(['arm', 'eye']);
    expect((await get('term-b', `/ValueSet/$expand?url=${encodeURIComponent(VS_A)}`)).status).toBe(404);
    expect((await get('term-b', '/ValueSet/a-only/$expand')).status).toBe(404);
    expect((await post('term-b', '/ValueSet/$validate-code', [{ name: 'url', valueUri: VS_A }, { name: 'system', valueUri: CS }, { name: 'code', valueCode: 'arm' }])).status).toBe(404);
  });
});

describe('CodeSystem/$lookup', () => {
  it('answers name, display, designation and parent/child properties (GET and POST)', async () => {
    const { status, body } = await get('term-a', `/CodeSystem/$lookup?system=${encodeURIComponent(CS)}&code=limb`);
    expect(status).toBe(200);
    expect(part(body, 'name').valueString).toBe('Body');
    expect(part(body, 'display').valueString).toBe('Limb');
    const props = body.parameter.filter((p: Json) => p.name === 'property').map((p: Json) => `${p.part[0].valueCode}=${p.part[1].valueCode}`).sort();
    expect(props).toEqual(['child=arm', 'child=leg', 'parent=root']);
    const arm = await post('term-a', '/CodeSystem/$lookup', [{ name: 'coding', valueCoding: { system: CS, code: 'arm' } }]);
    expect(arm.status).toBe(200);
    expect(part(arm.body, 'designation').part.find((p: Json) => p.name === 'value').valueString).toBe('Arm (de)');
    const eye = await get('term-b', `/CodeSystem/$lookup?system=${encodeURIComponent(CS)}&code=eye`);
    expect(eye.body.parameter.some((p: Json) => p.name === 'property' && p.part[1].valueCode === 'head')).toBe(true);
  });

  it('is 404 for an unknown code system and for an unknown code (as HAPI)', async () => {
    expect((await get('term-a', '/CodeSystem/$lookup?system=http://nowhere.example.org&code=x')).status).toBe(404);
    expect((await get('term-a', `/CodeSystem/$lookup?system=${encodeURIComponent(CS)}&code=nose`)).status).toBe(404);
    // Tenant A's own code system is not tenant B's.
    expect((await get('term-a', '/CodeSystem/$lookup?system=http://example.org/cs/a-local&code=x')).status).toBe(200);
    expect((await get('term-b', '/CodeSystem/$lookup?system=http://example.org/cs/a-local&code=x')).status).toBe(404);
  });
});

describe('$validate-code', () => {
  it('ValueSet/$validate-code: in, not in, wrong display, codeableConcept', async () => {
    const url = encodeURIComponent(VS_LIMBS);
    const inSet = await get('term-a', `/ValueSet/$validate-code?url=${url}&system=${encodeURIComponent(CS)}&code=arm`);
    expect(part(inSet.body, 'result').valueBoolean).toBe(true);
    expect(part(inSet.body, 'display').valueString).toBe('Arm');
    const out = await get('term-a', `/ValueSet/$validate-code?url=${url}&system=${encodeURIComponent(CS)}&code=eye`);
    expect(part(out.body, 'result').valueBoolean).toBe(false);
    expect(part(out.body, 'message').valueString).toContain('eye');
    const display = await post('term-a', '/ValueSet/$validate-code', [{ name: 'url', valueUri: VS_LIMBS }, { name: 'coding', valueCoding: { system: CS, code: 'arm', display: 'Elbow' } }]);
    expect(part(display.body, 'result').valueBoolean).toBe(false);
    const cc = await post('term-a', '/ValueSet/limbs/$validate-code', [{ name: 'codeableConcept', valueCodeableConcept: { coding: [{ system: 'http://other', code: 'q' }, { system: CS, code: 'leg' }] } }]);
    expect(part(cc.body, 'result').valueBoolean).toBe(true);
  });

  it('CodeSystem/$validate-code: known, unknown code, unknown system (result=false with a message)', async () => {
    const ok = await get('term-a', `/CodeSystem/$validate-code?url=${encodeURIComponent(CS)}&code=eye`);
    expect(part(ok.body, 'result').valueBoolean).toBe(true);
    const post1 = await post('term-a', '/CodeSystem/$validate-code', [{ name: 'coding', valueCoding: { system: CS, code: 'nose' } }]);
    expect(post1.status).toBe(200);
    expect(part(post1.body, 'result').valueBoolean).toBe(false);
    expect(part(post1.body, 'message').valueString).toContain('nose');
    const nowhere = await get('term-a', '/CodeSystem/$validate-code?url=http://nowhere.example.org&code=x');
    expect(nowhere.status).toBe(200);
    expect(part(nowhere.body, 'result').valueBoolean).toBe(false);
    const inst = await get('term-a', '/CodeSystem/body/$validate-code?code=arm&display=Arm');
    expect(part(inst.body, 'result').valueBoolean).toBe(true);
  });
});

describe('CodeSystem/$subsumes', () => {
  it('answers equivalent, subsumes, subsumed-by and not-subsumed (GET and POST)', async () => {
    const q = (a: string, b: string) => get('term-a', `/CodeSystem/$subsumes?system=${encodeURIComponent(CS)}&codeA=${a}&codeB=${b}`);
    expect(part((await q('limb', 'arm')).body, 'outcome').valueCode).toBe('subsumes');
    expect(part((await q('limb', 'eye')).body, 'outcome').valueCode).toBe('not-subsumed');
    expect(part((await q('root', 'eye')).body, 'outcome').valueCode).toBe('subsumes');
    expect(part((await q('head', 'eye')).body, 'outcome').valueCode).toBe('subsumes');
    expect(part((await q('arm', 'arm')).body, 'outcome').valueCode).toBe('equivalent');
    const p = await post('term-a', '/CodeSystem/$subsumes', [{ name: 'codingA', valueCoding: { system: CS, code: 'arm' } }, { name: 'codingB', valueCoding: { system: CS, code: 'root' } }]);
    expect(part(p.body, 'outcome').valueCode).toBe('subsumed-by');
    expect((await q('arm', 'nose')).status).toBe(400);
    // Instance level: the code system is the instance.
    expect(part((await get('term-b', '/CodeSystem/body/$subsumes?codeA=head&codeB=eye')).body, 'outcome').valueCode).toBe('subsumes');
    expect((await get('term-b', '/CodeSystem/a-local/$subsumes?codeA=x&codeB=x')).status).toBe(404);
    expect((await get('term-a', `/CodeSystem/body/$lookup?system=${encodeURIComponent(CS)}&code=arm`)).status).toBe(404);
  });
});

describe('ConceptMap/$translate', () => {
  it('translates by url (GET), by instance and without a map (POST), forwards and in reverse', async () => {
    const g = await get('term-a', `/ConceptMap/$translate?url=${encodeURIComponent(CM)}&system=${encodeURIComponent(CS)}&code=arm`);
    expect(g.status).toBe(200);
    expect(part(g.body, 'result').valueBoolean).toBe(true);
    const match = part(g.body, 'match');
    expect(match.part.find((p: Json) => p.name === 'equivalence').valueCode).toBe('equivalent');
    expect(match.part.find((p: Json) => p.name === 'concept').valueCoding).toMatchObject({ system: SCT, code: '53120007' });
    expect(match.part.find((p: Json) => p.name === 'source').valueUri).toBe(CM);
    const inst = await post('term-a', '/ConceptMap/body-to-sct/$translate', [{ name: 'coding', valueCoding: { system: CS, code: 'leg' } }]);
    expect(part(inst.body, 'match').part[0].valueCode).toBe('wider');
    const any = await post('term-b', '/ConceptMap/$translate', [{ name: 'system', valueUri: CS }, { name: 'code', valueCode: 'arm' }, { name: 'targetsystem', valueUri: SCT }]);
    expect(part(any.body, 'result').valueBoolean).toBe(true);
    const back = await get('term-a', `/ConceptMap/$translate?url=${encodeURIComponent(CM)}&system=${SCT}&code=61685007&reverse=true`);
    expect(part(back.body, 'match').part.find((p: Json) => p.name === 'concept').valueCoding.code).toBe('leg');
    const none = await get('term-a', `/ConceptMap/$translate?url=${encodeURIComponent(CM)}&system=${encodeURIComponent(CS)}&code=eye`);
    expect(part(none.body, 'result').valueBoolean).toBe(false);
    expect((await get('term-a', '/ConceptMap/$translate?url=http://nowhere.example.org&code=x&system=y')).status).toBe(404);
  });
});

describe('token :in, :not-in, :below, :above', () => {
  const search = async (t: string, q: string) => {
    const r = await get(t, `/Observation?${q}&_count=50`);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    return ids(r.body);
  };

  it(':in and :not-in a shared ValueSet (canonical), and a relative ValueSet/id', async () => {
    expect(await search('term-a', `code:in=${encodeURIComponent(VS_LIMBS)}`)).toEqual(['o-arm', 'o-leg', 'o-limb']);
    expect(await search('term-a', `code:not-in=${encodeURIComponent(VS_LIMBS)}`)).toEqual(['o-eye', 'o-kg', 'o-other', 'o-rate', 'o-ug']);
    expect(await search('term-a', 'code:in=ValueSet/a-only')).toEqual(['o-arm', 'o-eye']);
    expect(await search('term-b', `code:in=${encodeURIComponent(VS_LIMBS)}`)).toEqual(['o-arm', 'o-leg', 'o-limb']);
  });

  it(':below and :above over the hierarchy', async () => {
    expect(await search('term-a', `code:below=${encodeURIComponent(`${CS}|limb`)}`)).toEqual(['o-arm', 'o-leg', 'o-limb']);
    expect(await search('term-a', `code:below=${encodeURIComponent(`${CS}|root`)}`)).toEqual(['o-arm', 'o-eye', 'o-leg', 'o-limb']);
    expect(await search('term-a', `code:below=${encodeURIComponent(`${CS}|head`)}`)).toEqual(['o-eye']);
    expect(await search('term-a', `code:above=${encodeURIComponent(`${CS}|arm`)}`)).toEqual(['o-arm', 'o-limb']);
    expect((await get('term-a', '/Observation?code:below=arm')).status).toBe(400);
  });

  it('matches a code element (no system in the row) by its code, and works in POST _search and chains', async () => {
    expect(await search('term-b', `status:in=${encodeURIComponent('http://example.org/vs/done')}&code:below=${encodeURIComponent(`${CS}|head`)}`)).toEqual(['o-eye']);
    expect(await search('term-b', `status:not-in=${encodeURIComponent('http://example.org/vs/done')}`)).toEqual([]);
    const form = await s.fhir('term-a', '/Observation/_search', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `code:in=${encodeURIComponent(VS_A)}` });
    expect(ids(await form.json())).toEqual(['o-arm', 'o-eye']);
  });

  it("tenant B cannot use tenant A's ValueSet", async () => {
    expect((await get('term-b', `/Observation?code:in=${encodeURIComponent(VS_A)}`)).status).toBe(400);
    expect((await get('term-b', '/Observation?code:in=ValueSet/a-only')).status).toBe(400);
    expect((await get('term-b', `/Observation?code:not-in=${encodeURIComponent(VS_A)}`)).status).toBe(400);
  });
});

describe('bad input and the shared base', () => {
  it('answers 400, never 500, to missing or malformed parameters', async () => {
    const bad: [string, Promise<{ status: number }>][] = [
      ['expand without a value set', get('term-a', '/ValueSet/$expand')],
      ['expand with a non-integer count', get('term-a', `/ValueSet/$expand?url=${encodeURIComponent(VS_LIMBS)}&count=x`)],
      ['expand with a body that is not Parameters', s.fhir('term-a', '/ValueSet/$expand', { json: { resourceType: 'Patient' } })],
      ['lookup without a code', get('term-a', `/CodeSystem/$lookup?system=${encodeURIComponent(CS)}`)],
      ['subsumes across systems', post('term-a', '/CodeSystem/$subsumes', [{ name: 'codingA', valueCoding: { system: CS, code: 'arm' } }, { name: 'codingB', valueCoding: { system: 'http://x', code: 'arm' } }])],
      ['translate without a code', get('term-a', `/ConceptMap/$translate?url=${encodeURIComponent(CM)}`)],
      ['validate-code without a code', get('term-a', `/ValueSet/$validate-code?url=${encodeURIComponent(VS_LIMBS)}`)],
      [':below without a code', get('term-a', `/Observation?code:below=${encodeURIComponent(`${CS}|`)}`)],
      [':in on a non-token parameter', get('term-a', `/Observation?date:in=${encodeURIComponent(VS_LIMBS)}`)],
      [':below on an unknown code system', get('term-a', '/Observation?code:below=http://nowhere.example.org|x')],
    ];
    for (const [what, res] of bad) expect((await res).status, what).toBe(400);
  });

  it('runs on /shared/fhir over the shared set only', async () => {
    const res = await s.request(`/shared/fhir/ValueSet/$expand?url=${encodeURIComponent(VS_LIMBS)}`);
    expect(res.status).toBe(200);
    expect(codes(await res.json())).toEqual(['arm', 'leg', 'limb']);
    expect((await s.request(`/shared/fhir/ValueSet/$expand?url=${encodeURIComponent(VS_A)}`)).status).toBe(404);
    const caps = await (await s.request('/shared/fhir/metadata?mode=terminology')).json();
    expect(caps.codeSystem.map((c: Json) => c.uri)).toEqual([CS]);
  });
});

describe('UCUM-canonical quantities', () => {
  const search = async (q: string) => ids((await get('term-a', `/Observation?value-quantity=${encodeURIComponent(q)}`)).body);
  it('finds 5400 ug by 5.4 mg, and 2 kg by 2000 g, but not across dimensions or without UCUM', async () => {
    expect(await search(`5.4|${UCUM}|mg`)).toEqual(['o-ug']);
    expect(await search(`5400|${UCUM}|ug`)).toEqual(['o-ug']);
    expect(await search(`gt1|${UCUM}|g`)).toEqual(['o-kg']);
    expect(await search(`2000|${UCUM}|g`)).toEqual(['o-kg']);
    expect(await search(`5.4|${UCUM}|mL`)).toEqual([]);
    expect(await search('5.4||mg')).toEqual([]);
    // Annotations are 1 in UCUM: 1.5 {beats}/s is 90 /min.
    expect(await search(`90|${UCUM}|/min`)).toEqual(['o-rate']);
  });
});

describe('metadata?mode=terminology', () => {
  it("lists the shared code systems and the tenant's own, never another tenant's", async () => {
    const a = await get('term-a', '/metadata?mode=terminology');
    expect(a.status).toBe(200);
    expect(a.body.resourceType).toBe('TerminologyCapabilities');
    expect(a.body.codeSystem.map((c: Json) => c.uri).sort()).toEqual([CS, 'http://example.org/cs/a-local'].sort());
    const b = await get('term-b', '/metadata?mode=terminology');
    expect(b.body.codeSystem.map((c: Json) => c.uri)).toEqual([CS]);
    expect(b.body.closure).toBeUndefined();
  });

  it('keeps full and normative as before, refuses an unknown mode, and lists the operations', async () => {
    expect((await get('term-a', '/metadata?mode=full')).body.resourceType).toBe('CapabilityStatement');
    expect((await get('term-a', '/metadata?mode=normative')).body.resourceType).toBe('CapabilityStatement');
    expect((await get('term-a', '/metadata?mode=bogus')).status).toBe(400);
    const cs = (await get('term-a', '/metadata')).body;
    const vs = cs.rest[0].resource.find((r: Json) => r.type === 'ValueSet');
    expect(vs.operation.map((o: Json) => o.definition)).toContain('http://hl7.org/fhir/OperationDefinition/ValueSet-expand');
  });
});
