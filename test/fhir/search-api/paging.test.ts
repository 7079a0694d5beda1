import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BASE, startTestServer, type TestServer } from '../../helpers/app.js';

/*
 * Keyset paging through HTTP: links carry a sealed cursor bound to the tenant, the base and the
 * query; creates, updates and deletes between pages never repeat or skip a resource that existed
 * at the first page; totals; the self link.
 */
let s: TestServer;
const A = 'page-a';
const B = 'page-b';

interface Bundle {
  total?: number;
  entry?: { resource: { id: string; resourceType: string } }[];
  link: { relation: string; url: string }[];
}

const path = (url: string) => url.slice(`${BASE}/fhir`.length);
const link = (b: Bundle, relation: string) => b.link.find((l) => l.relation === relation)?.url;
const idsOf = (b: Bundle) => (b.entry ?? []).map((e) => e.resource.id);

async function get(tenant: string, query: string): Promise<Bundle> {
  const res = await s.fhir(tenant, query);
  const text = await res.text();
  if (res.status !== 200) throw new Error(`${query}: ${res.status} ${text}`);
  return JSON.parse(text) as Bundle;
}

async function create(tenant: string, family: string, birthDate: string): Promise<string> {
  const res = await s.fhir(tenant, '/Patient', { json: { resourceType: 'Patient', name: [{ family }], birthDate } });
  if (res.status !== 201) throw new Error(await res.text());
  return ((await res.json()) as { id: string }).id;
}

const update = async (tenant: string, id: string, family: string) => {
  const res = await s.fhir(tenant, `/Patient/${id}`, { method: 'PUT', json: { resourceType: 'Patient', id, name: [{ family }], gender: 'other' } });
  expect(res.status).toBe(200);
};

/** Follows next links from `first` to the end, running `between` after the first page. */
async function allPages(tenant: string, first: string, between?: (page1: string[]) => Promise<void>): Promise<string[]> {
  let page = await get(tenant, first);
  const seen = idsOf(page);
  if (between) await between([...seen]);
  for (let next = link(page, 'next'); next !== undefined; next = link(page, 'next')) {
    page = await get(tenant, path(next));
    seen.push(...idsOf(page));
  }
  return seen;
}

/** Five patients of one family, created one after the other (distinct lastUpdated, years 1970..1974). */
async function family(name: string, tenant = A): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < 5; i++) out.push(await create(tenant, name, `197${i}-01-01`));
  return out;
}

const sorted = (xs: string[]) => [...xs].sort();

beforeAll(async () => {
  s = await startTestServer();
  await s.createTenants(A, B);
});
afterAll(() => s.close());

describe('keyset paging under change', () => {
  it('a resource created between page 1 and page 2 repeats nothing', async () => {
    const ids = await family('Created');
    let added = '';
    const seen = await allPages(A, '/Patient?family=Created&_count=2', async () => {
      added = await create(A, 'Created', '1999-01-01');
    });
    // Newest first: the new one sorts before the cursor, and it did not exist at the first page.
    expect(seen).toHaveLength(5);
    expect(sorted(seen)).toEqual(sorted(ids));
    expect(seen).not.toContain(added);
  });

  it('an update between pages neither repeats nor skips, sorted by _lastUpdated either way', async () => {
    for (const [i, sort] of ['_lastUpdated', '-_lastUpdated', ''].entries()) {
      const name = `Moved${i}`;
      const ids = await family(name);
      const order = sort ? `&_sort=${sort}` : '';
      const seen = await allPages(A, `/Patient?family=${name}${order}&_count=2`, async (page1) => {
        // One already listed and one not yet: both move to the newest end of the order.
        await update(A, page1[0]!, name);
        await update(A, ids.find((id) => !page1.includes(id))!, name);
      });
      expect(seen, sort).toHaveLength(5);
      expect(sorted(seen), sort).toEqual(sorted(ids));
    }
  });

  it('a delete between pages skips no other resource', async () => {
    const ids = await family('Deleted');
    let gone: string[] = [];
    const seen = await allPages(A, '/Patient?family=Deleted&_sort=birthdate&_count=2', async (page1) => {
      expect(page1).toEqual(ids.slice(0, 2));
      gone = [ids[1]!, ids[3]!]; // one listed, one not yet
      for (const id of gone) expect((await s.fhir(A, `/Patient/${id}`, { method: 'DELETE' })).status).toBe(204);
    });
    expect(seen).toEqual([ids[0], ids[1], ids[2], ids[4]]);
  });

  it('pages by any _sort parameter in its order, and previous links go back', async () => {
    const ids = await family('Sorted');
    const asc = await allPages(A, '/Patient?family=Sorted&_sort=birthdate&_count=2');
    expect(asc).toEqual(ids);
    const desc = await allPages(A, '/Patient?family=Sorted&_sort=-birthdate,_id&_count=2');
    expect(desc).toEqual([...ids].reverse());
    const p1 = await get(A, '/Patient?family=Sorted&_sort=birthdate&_count=2');
    const p2 = await get(A, path(link(p1, 'next')!));
    expect(idsOf(p2)).toEqual(ids.slice(2, 4));
    const back = await get(A, path(link(p2, 'previous')!));
    expect(idsOf(back)).toEqual(ids.slice(0, 2));
    expect(link(back, 'next')).toBeDefined();
    expect(link(p1, 'previous')).toBeUndefined();
  });

  it('system searches and compartments page with cursors too', async () => {
    await family('System');
    const seen = await allPages(A, '/?_type=Patient&family=System&_count=2');
    expect(new Set(seen).size).toBe(5);
  });
});

describe('cursors are bound to the tenant, the base and the query', () => {
  let next = '';
  beforeAll(async () => {
    await family('Bound');
    await family('Bound', B);
    next = link(await get(A, '/Patient?family=Bound&_count=2'), 'next')!;
    expect(next).toContain('_cursor=');
  });

  const refused = async (res: Response) => {
    expect(res.status).toBe(400);
    const body = (await res.json()) as { resourceType: string; entry?: unknown; issue: { diagnostics: string }[] };
    expect(body.resourceType).toBe('OperationOutcome');
    expect(body.entry).toBeUndefined();
    expect(body.issue[0]!.diagnostics).toMatch(/_cursor/);
  };

  it('another tenant replaying the cursor gets 400 and no rows', async () => {
    await refused(await s.fhir(B, path(next)));
    // Its own search with the same parameters pages fine.
    expect(link(await get(B, '/Patient?family=Bound&_count=2'), 'next')).toBeDefined();
  });

  it('another base, altered parameters or a tampered cursor get 400', async () => {
    await refused(await s.request(`/tenants/${A}${path(next).replace(/^/, '/fhir')}`));
    await refused(await s.fhir(A, path(next).replace('family=Bound', 'family=Bou')));
    await refused(await s.fhir(A, path(next).replace('_count=2', '_count=3')));
    const token = new URL(next).searchParams.get('_cursor')!;
    const flipped = `${token.slice(0, 20)}${token[20] === 'A' ? 'B' : 'A'}${token.slice(21)}`;
    await refused(await s.fhir(A, path(next).replace(token, flipped)));
    await refused(await s.fhir(A, '/Patient?family=Bound&_count=2&_cursor=garbage'));
    // The cursor on its own base and tenant still works.
    expect((await s.fhir(A, path(next))).status).toBe(200);
  });

  it('_offset is refused with a pointer to the links', async () => {
    const res = await s.fhir(A, '/Patient?_offset=2');
    expect(res.status).toBe(400);
    expect(JSON.stringify(await res.json())).toContain('next and previous links');
    expect((await s.fhir(A, '/Patient/_history?_offset=2')).status).toBe(400);
  });
});

describe('totals and the self link', () => {
  beforeAll(async () => {
    await family('Counted');
  });

  it('gives total on multi-page results; _total=accurate, none; _summary=count and _count=0 have no entry', async () => {
    const page1 = await get(A, '/Patient?family=Counted&_count=2');
    expect(page1.total).toBe(5);
    expect((await get(A, path(link(page1, 'next')!))).total).toBe(5);
    expect((await get(A, '/Patient?family=Counted&_count=2&_total=accurate')).total).toBe(5);
    expect((await get(A, '/Patient?family=Counted&_count=2&_total=estimate')).total).toBe(5);
    expect((await get(A, '/Patient?family=Counted&_count=2&_total=none')).total).toBeUndefined();
    const count = await get(A, '/Patient?family=Counted&_summary=count');
    expect(count.total).toBe(5);
    expect(count).not.toHaveProperty('entry');
    const zero = await get(A, '/Patient?family=Counted&_count=0');
    expect(zero.total).toBe(5);
    expect(zero).not.toHaveProperty('entry');
    // The other tenant counts only its own.
    expect((await get(B, '/Patient?family=Counted&_summary=count')).total).toBe(0);
  });

  it('the self link holds only the parameters used, on the request\'s base', async () => {
    const b = await get(A, '/Patient?family=Counted&unknown-thing=1&_count=2&_sort=birthdate');
    expect(link(b, 'self')).toBe(`${BASE}/fhir/Patient?family=Counted&_sort=birthdate&_count=2`);
    expect(link(b, 'first')).toBe(link(b, 'self'));
    const res = await s.request(`/tenants/${A}/fhir/Patient?family=Counted&_count=2&bogus=x`);
    const viaTenant = (await res.json()) as Bundle;
    expect(link(viaTenant, 'self')).toBe(`${BASE}/tenants/${A}/fhir/Patient?family=Counted&_count=2`);
    // The next link works on that base, and its own self link keeps its cursor.
    const next = link(viaTenant, 'next')!;
    const p2 = (await (await s.request(next.slice(BASE.length))).json()) as Bundle;
    expect(link(p2, 'self')).toBe(next);
    expect(idsOf(p2)).toHaveLength(2);
    // Without a default _count in the query, the page size used is written.
    expect(link(await get(A, '/Patient?family=Counted'), 'self')).toBe(`${BASE}/fhir/Patient?family=Counted&_count=20`);
  });
});

describe('history pages by keyset too', () => {
  it('a write between pages repeats no version', async () => {
    const ids = await family('History', B);
    const seen: string[] = [];
    let page = await get(B, '/Patient/_history?_count=3');
    seen.push(...(page.entry ?? []).map((e) => `${e.resource.id}`));
    await update(B, ids[0]!, 'History');
    await create(B, 'History', '2000-01-01');
    for (let next = link(page, 'next'); next !== undefined; next = link(page, 'next')) {
      page = await get(B, path(next));
      seen.push(...(page.entry ?? []).map((e) => `${e.resource.id}`));
    }
    // Every version that existed at the first page (the family above, plus the 'Bound' and
    // 'Counted' ones of B created before), none twice; the two new versions are newer than the cursor.
    const all = await get(B, '/Patient/_history?_count=1000');
    expect(seen.length).toBe(all.entry!.length - 2);
    const back = await get(B, path(link(await get(B, path(link(await get(B, '/Patient/_history?_count=3'), 'next')!)), 'previous')!));
    expect(back.entry).toHaveLength(3);
  });
});
