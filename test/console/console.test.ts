import { mkdirSync, readFileSync } from 'node:fs';
import { serve, type ServerType } from '@hono/node-server';
import { pino } from 'pino';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { startBulkRunner } from '../../src/bulk/index.js';
import type { JobRunner } from '../../src/bulk/runner.js';
import { loadConfig } from '../../src/config.js';
import { ADMIN_TOKEN } from '../helpers/app.js';
import { startTestDatabase, type TestDatabase } from '../helpers/db.js';
import { CHROMIUM, CHROMIUM_PATH, needs } from '../helpers/requires.js';
import { syntheaFiles } from '../fixtures/synthea.js';

/*
 * The console in a real headless Chromium over real HTTP: log in (by keyboard alone), create
 * tenants, load a Synthea bundle through the FHIR browser, search and page it, view a resource and
 * its history, suspend, resume, reindex, configure, purge with typed confirmation; a bad token
 * refused, a forged form refused, and one tenant's console pages never show another's. Every page
 * is photographed into test/console/screenshots/ (not committed) at 1280×800, some at 390 px.
 */
const SHOTS = new URL('./screenshots/', import.meta.url).pathname;
const [ANDERSON, ABBOTT] = [syntheaFiles().find((f) => f.includes('Antony_Anderson'))!, syntheaFiles().find((f) => f.includes('Geoffrey_Abbott'))!];

let tdb: TestDatabase;
let server: ServerType;
let base = '';
let browser: Browser;
let page: Page;
let runner: JobRunner;

const shot = (name: string) => page.screenshot({ path: `${SHOTS}${name}.png` });
const text = () => page.$eval('main', (m) => m.textContent ?? '');
async function go(path: string): Promise<number> {
  const res = await page.goto(`${base}${path}`, { waitUntil: 'load' });
  return res?.status() ?? 0;
}
/** Submits by clicking `selector` and waits for the page it leads to; the status of that page. */
async function submit(selector: string): Promise<number> {
  const [res] = await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click(selector)]);
  return res?.status() ?? 0;
}
async function fill(selector: string, value: string): Promise<void> {
  await page.$eval(selector, (el, v) => {
    if (el instanceof HTMLInputElement || el instanceof HTMLTextAreaElement) el.value = v;
  }, value);
}

describe.runIf(CHROMIUM.met)(needs(CHROMIUM, 'the operator console in a real browser'), () => {
  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    tdb = await startTestDatabase();
    const deps = { db: tdb.db, config: loadConfig({ ADMIN_TOKEN, LOG_LEVEL: 'silent' }), log: pino({ level: 'silent' }) };
    const app = createApp(deps);
    // The Bulk Data runner, as index.ts starts it beside the server.
    runner = startBulkRunner(deps);
    await new Promise<void>((resolve) => {
      server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => {
        base = `http://127.0.0.1:${info.port}`;
        resolve();
      });
    });
    browser = await puppeteer.launch({ executablePath: CHROMIUM_PATH, args: ['--no-sandbox', '--headless=new', '--disable-gpu', '--disable-dev-shm-usage'] });
    page = await browser.newPage();
    await page.setViewport({ width: 1280, height: 800 });
  });
  afterAll(async () => {
    await browser?.close();
    await runner?.stop();
    await new Promise((r) => server?.close(r));
    await tdb?.close();
  });

  it('refuses a bad token, and logs in by keyboard alone with a session cookie the page cannot read', async () => {
    expect(await go('/console/tenants')).toBe(200);
    expect(page.url()).toBe(`${base}/console/login`);
    await page.type('#token', 'not-the-admin-token-at-all');
    expect(await submit('button[type=submit]')).toBe(401);
    expect(await text()).toContain('not an admin credential');
    expect(await page.cookies()).toEqual([]);
    await shot('login-refused');

    await go('/console/login');
    // The field has the focus on arrival; before it in the tab order is only the skip link.
    const focused = () => page.evaluate(() => document.activeElement?.id || document.activeElement?.textContent || '');
    // Chromium runs autofocus at its next rendering update, which may come after 'load' on a busy
    // machine: wait for it (it fails the test if the field never gets the focus).
    await page.waitForFunction(() => document.activeElement?.id === 'token', { timeout: 15_000 });
    expect(await focused()).toBe('token');
    await page.keyboard.down('Shift');
    await page.keyboard.press('Tab');
    await page.keyboard.up('Shift');
    expect(await focused()).toBe('Skip to content');
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('token');
    await page.keyboard.type(ADMIN_TOKEN);
    await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
    expect(page.url()).toBe(`${base}/console/tenants`);

    const [cookie] = await page.cookies();
    expect(cookie).toMatchObject({ name: 'fhir_console', httpOnly: true, sameSite: 'Strict', path: '/console', session: true });
    expect(cookie!.value).not.toContain(ADMIN_TOKEN);
    expect(await page.evaluate(() => document.cookie)).toBe('');
    const res = await page.goto(`${base}/console/tenants`);
    expect(res?.headers()['content-security-policy']).toContain("default-src 'self'");
  });

  it('creates tenants, and refuses a form without its CSRF token', async () => {
    for (const [id, name] of [['web-a', 'Web A'], ['web-b', 'Web B']] as const) {
      await go('/console/tenants');
      await fill('#new-id', id);
      await fill('#new-name', name);
      expect(await submit('#create-h ~ button')).toBe(200);
      expect(await page.$eval('h1', (h) => h.textContent)).toBe(`Tenant ${id}: ${name}`);
      expect(await text()).toContain(`Tenant ${id} created.`);
    }
    await shot('tenant');
    await go('/console/tenants');
    await fill('#new-id', 'Bad Id!');
    await page.$eval('#new-id', (el) => el.removeAttribute('pattern'));
    expect(await submit('#create-h ~ button')).toBe(400);
    expect(await text()).toContain('Error:');
    const forged = await page.evaluate(async () => (await fetch('/console/tenants', { method: 'POST', body: new URLSearchParams({ id: 'forged' }) })).status);
    expect(forged).toBe(403);
    const tenants = await page.$$eval('tbody th', (ths) => ths.map((t) => t.textContent));
    expect(tenants).toEqual(['web-a', 'web-b']);
  });

  it('loads a Synthea bundle through the FHIR browser, searches, pages, and shows a resource and its history', async () => {
    // Tenant B gets another patient, loaded the same way.
    for (const [tenant, file] of [['web-b', ABBOTT], ['web-a', ANDERSON]] as const) {
      await go(`/console/tenants/${tenant}/fhir`);
      const input = await page.$('input#bundle-file');
      await input!.uploadFile(file);
      expect(await submit('#load-h ~ button')).toBe(200);
      expect(await text()).toMatch(/Bundle loaded: \d+ × 201/);
    }
    await shot('fhir-loaded');

    await page.select('#type', 'Patient');
    expect(await submit('#search-h ~ button')).toBe(200);
    const rows = await page.$$eval('tbody tr', (trs) => trs.map((t) => t.textContent ?? ''));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toContain('Antony Anderson');
    expect(await text()).not.toContain('Abbott');
    await shot('fhir-search');

    await page.select('#type', 'Observation');
    await fill('#q', '_count=20');
    expect(await submit('#search-h ~ button')).toBe(200);
    expect(await page.$$eval('tbody tr', (trs) => trs.length)).toBe(20);
    const first = await page.$$eval('tbody th', (ths) => ths.map((t) => t.textContent));
    expect(await submit('a[rel=next]')).toBe(200);
    const second = await page.$$eval('tbody th', (ths) => ths.map((t) => t.textContent));
    expect(second.length).toBeGreaterThan(0);
    expect(second.filter((id) => first.includes(id))).toEqual([]);
    expect(page.url()).toContain('page=');

    await go('/console/tenants/web-a/fhir?type=Patient');
    expect(await submit('tbody th a')).toBe(200);
    expect(await page.$eval('pre.json', (p) => p.textContent)).toContain('"family": "Anderson"');
    expect(await page.$$eval('#history-h ~ div tbody tr', (trs) => trs.map((t) => t.textContent))).toEqual([expect.stringMatching(/^1.*POST$/)]);
    await shot('fhir-resource');
    expect(await submit('#history-h ~ div tbody a')).toBe(200);
    expect(await page.$eval('#json-h', (h) => h.textContent)).toBe('Version 1');
  });

  it('never shows one tenant\'s data on another\'s pages', async () => {
    await go('/console/tenants/web-b/fhir?type=Patient');
    const rows = await page.$$eval('tbody tr', (trs) => trs.map((t) => t.textContent ?? ''));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toContain('Abbott');
    expect(await text()).not.toContain('Anderson');
    // A page link of tenant A's browser that points at B's base is refused, and so is an encoded detour.
    expect(await go(`/console/tenants/web-a/fhir?page=${encodeURIComponent('/tenants/web-b/fhir/Patient')}`)).toBe(400);
    expect(await text()).not.toContain('Abbott');
    expect(await go(`/console/tenants/web-a/fhir?page=${encodeURIComponent('/tenants/web-a/fhir/../../tenants/web-b/fhir/Patient')}`)).toBe(400);
    expect(await go('/console/tenants/web-a%2F..%2Fweb-b/fhir?type=Patient')).toBe(404);
    // B's patient id, asked for on A's pages: not found there.
    const bId = await (await fetch(`${base}/tenants/web-b/fhir/Patient`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json().then((b) => b.entry[0].resource.id);
    expect(await go(`/console/tenants/web-a/fhir/Patient/${bId}`)).toBe(404);
    expect(await text()).not.toContain('Abbott');

    await go('/console/audit?tenant=web-b');
    const tenants = await page.$$eval('tbody tr td:nth-child(2)', (tds) => tds.map((t) => t.textContent));
    expect(tenants.length).toBeGreaterThan(0);
    expect(new Set(tenants)).toEqual(new Set(['web-b']));
    await shot('audit');
  });

  it('filters and pages the audit log', async () => {
    await go('/console/audit');
    await fill('#f-client', 'admin-token');
    await page.select('#f-outcome', 'done');
    expect(await submit('#filter-h ~ button')).toBe(200);
    const clients = await page.$$eval('tbody tr td:nth-child(3)', (tds) => tds.map((t) => t.textContent));
    expect(clients.length).toBeGreaterThan(0);
    expect(new Set(clients)).toEqual(new Set(['admin-token']));
    // The refused login of the first test is in the log, like any 401.
    await go('/console/audit?outcome=unauthenticated');
    expect(await text()).toContain('/console/login');
    await go('/console/audit?client=admin-token&outcome=done');
    await fill('#f-since', '2999-01-01T00:00:00');
    expect(await submit('#filter-h ~ button')).toBe(200);
    expect(await text()).toContain('No entries match.');
  });

  it('suspends and resumes a tenant, reindexes it with progress, and shows config errors inline', async () => {
    await go('/console/tenants/web-a');
    expect(await submit('#status-h ~ form button')).toBe(200);
    expect(await text()).toContain('Tenant web-a is now suspended.');
    expect(await page.$eval('.facts .status', (s) => s.textContent)).toBe('suspended');
    await shot('tenant-suspended');
    await go('/console/tenants/web-a/fhir?type=Patient');
    expect(await text()).toContain('HTTP 403');
    await go('/console/tenants/web-a');
    expect(await submit('#status-h ~ form button')).toBe(200);
    expect(await text()).toContain('Tenant web-a is now active.');

    expect(await submit('#reindex-h ~ form button')).toBe(200);
    expect(await text()).toContain('Reindex queued.');
    // The page reloads itself until the reindex is finished.
    await page.waitForFunction(() => /Reindex finished/.test(document.querySelector('main')?.textContent ?? ''), { timeout: 30_000 });
    expect(await text()).toMatch(/Reindex finished .*, 103 resources\)/);

    await go('/console/tenants/web-a');
    await fill('#cfg-json', '{"maxCount": -1}');
    expect(await submit('#config-h ~ form button')).toBe(400);
    expect(await text()).toContain('maxCount must be a number above 0');
    expect(await page.$eval('#cfg-json', (t) => t.getAttribute('aria-invalid'))).toBe('true');
    await shot('tenant-config-error');
    await fill('#cfg-json', '{"maxCount": 50, "note": "set in the console"}');
    expect(await submit('#config-h ~ form button')).toBe(200);
    expect(await text()).toContain('Configuration saved.');
  });

  it('creates, edits, explains and deletes an access policy', async () => {
    await go('/console/policies');
    expect(await submit('#polform-h ~ button')).toBe(200);
    expect(await text()).toContain('Policy vitals-only saved.');
    await go('/console/policies/vitals-only');
    const json = await page.$eval('#policy-json', (t) => (t instanceof HTMLTextAreaElement ? t.value : ''));
    await fill('#policy-json', json.replace('reads vital signs only', 'edited in the console'));
    expect(await submit('#polform-h ~ button')).toBe(200);
    expect(await page.$$eval('tbody tr', (trs) => trs.map((t) => t.textContent))).toEqual([expect.stringContaining('vitals-only')]);
    await fill('#policy-json', '{"id": "broken"}');
    expect(await submit('#polform-h ~ button')).toBe(400);
    expect(await text()).toContain('client must be');

    await go('/console/policies');
    await page.select('#ex-method', 'DELETE');
    await fill('#ex-url', '/tenants/web-a/fhir/Observation/1');
    expect(await submit('#explain-h ~ button')).toBe(200);
    expect(await page.$eval('pre.json', (p) => p.textContent)).toContain('"allowed"');
    await shot('policies');
    expect(await submit('button[aria-label="Delete policy vitals-only"]')).toBe(200);
    expect(await text()).toContain('Policy vitals-only deleted.');
  });

  it('runs a Bulk Data export of one tenant and downloads its file', async () => {
    await go('/console/tenants/web-a');
    expect(await submit('a[href="/console/tenants/web-a/exports"]')).toBe(200);
    await fill('#ex-type', 'Patient');
    expect(await submit('#start-h ~ button')).toBe(200);
    expect(await text()).toContain('Export started.');
    // The page reloads itself while the job runs.
    await page.waitForFunction(() => /completed/.test(document.querySelector('#jobs-h')?.parentElement?.textContent ?? ''), { timeout: 30_000 });
    await shot('exports');
    const href = await page.$eval('#jobs-h ~ .card a', (a) => a.getAttribute('href') ?? '');
    const file = await page.evaluate(async (h) => (await fetch(h)).text(), href);
    expect(file.trim().split('\n')).toHaveLength(1);
    expect(file).toContain('Anderson');
    expect(file).not.toContain('Abbott');
    // A file link that points at another tenant's base is refused.
    const other = await page.evaluate(async (h) => (await fetch(h)).status, href.replace('exports/file?path=%2Ftenants%2Fweb-a', 'exports/file?path=%2Ftenants%2Fweb-b'));
    expect(other).toBe(400);
  });

  it('fits a 390 px wide screen without horizontal scrolling', async () => {
    await page.setViewport({ width: 390, height: 844 });
    try {
      for (const [path, name] of [['/console/tenants', 'tenants-390'], ['/console/tenants/web-a', 'tenant-390'], ['/console/tenants/web-a/fhir?type=Observation', 'fhir-390'], ['/console/audit', 'audit-390'], ['/console/policies', 'policies-390']] as const) {
        expect(await go(path)).toBe(200);
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
        expect(overflow, path).toBeLessThanOrEqual(0);
        await shot(name);
      }
    } finally {
      await page.setViewport({ width: 1280, height: 800 });
    }
    await go('/console/tenants');
    await shot('tenants');
  });

  it('purges a tenant only with its id typed, then logs out', async () => {
    await go('/console/tenants/web-a');
    await fill('#purge-confirm', 'web-b');
    expect(await submit('#purge-h ~ form button')).toBe(200);
    expect(await text()).toContain('Not purged');
    await fill('#purge-confirm', 'web-a');
    expect(await submit('#purge-h ~ form button')).toBe(200);
    expect(page.url()).toBe(`${base}/console/tenants`);
    expect(await text()).toMatch(/Tenant web-a purged \(\d+ rows deleted\)/);
    expect(await page.$$eval('tbody th', (ths) => ths.map((t) => t.textContent))).toEqual(['web-b']);
    // B kept everything.
    expect(await page.$eval('tbody tr', (tr) => tr.textContent)).toMatch(/web-bWeb B✓?\s*active\d{2,}/);

    expect(await submit('.logout button')).toBe(200);
    expect(page.url()).toBe(`${base}/console/login`);
    expect(await page.cookies()).toEqual([]);
    await go('/console/tenants');
    expect(page.url()).toBe(`${base}/console/login`);
    expect(readFileSync(`${SHOTS}tenants.png`).length).toBeGreaterThan(1000);
  });
});
