import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { bootstrap } from '../../src/bootstrap.js';
import { loadConfig } from '../../src/config.js';

const dir = mkdtempSync(join(tmpdir(), 'fhir-embedded-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the embedded default (no DATABASE_URL)', () => {
  it('creates tenant demo on first start and keeps data on disk across restarts', async () => {
    const config = loadConfig({ DATA_DIR: join(dir, 'data'), LOG_LEVEL: 'silent' });
    const log = pino({ level: 'silent' });

    const first = await bootstrap(config, log);
    expect(first.db.kind).toBe('pglite');
    const app = createApp(first);
    const created = await app.request('http://x/tenants/demo/fhir/Patient', {
      method: 'POST', headers: { 'content-type': 'application/fhir+json' }, body: JSON.stringify({ resourceType: 'Patient', gender: 'female' }),
    });
    expect(created.status).toBe(201);
    const { id } = await created.json();
    await first.db.close();

    const second = await bootstrap(config, log);
    const read = await createApp(second).request(`http://x/tenants/demo/fhir/Patient/${id}`);
    expect(read.status).toBe(200);
    expect((await read.json()).gender).toBe('female');
    await second.db.close();
  });

  it('takes an empty DATA_DIR that already exists (a fresh volume) for a first start too', async () => {
    const empty = join(dir, 'mounted');
    mkdirSync(empty);
    const opened = await bootstrap(loadConfig({ DATA_DIR: empty, LOG_LEVEL: 'silent' }), pino({ level: 'silent' }));
    const res = await createApp(opened).request('http://x/tenants/demo/fhir/Patient');
    expect(res.status).toBe(200);
    await opened.db.close();
  });
});
