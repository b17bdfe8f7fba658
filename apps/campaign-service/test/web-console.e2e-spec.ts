import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestApp, TestApp } from '@app/testing';
import { AppModule } from '../src/app.module';
import { setupSwagger } from '../src/swagger';
import { CONSOLE_CSP, serveWebConsole } from '../src/web/web-console';

describe('web console served by campaign-service (e2e)', () => {
  let dir: string;
  let t: TestApp;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'perks-web-'));
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>Perks console</title><div id="root"></div>');
    writeFileSync(join(dir, 'assets', 'index-abc123.js'), 'console.log("console")');
    t = await createTestApp(AppModule, {
      configure: (app) => {
        setupSwagger(app);
        expect(serveWebConsole(app, dir)).toBe(true);
      },
    });
  });
  afterAll(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves index.html at / and the hashed assets with a long cache', async () => {
    const page = await t.http.get('/').expect(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(page.headers['cache-control']).toBe('no-cache');
    expect(page.headers['content-security-policy']).toBe(CONSOLE_CSP);
    expect(page.headers['content-security-policy']).toMatch(/script-src 'self';.*frame-ancestors 'none'/);
    expect(page.text).toContain('Perks console');
    const asset = await t.http.get('/assets/index-abc123.js').expect(200);
    expect(asset.headers['content-type']).toMatch(/javascript/);
    expect(asset.headers['cache-control']).toContain('immutable');
  });

  it('leaves the API, the docs and JSON 404s alone', async () => {
    await t.http.get('/health').expect(200);
    await t.http.get('/docs-json').expect(200);
    const me = await t.http.get('/me').expect(401);
    expect(me.body).toMatchObject({ statusCode: 401, code: 'UNAUTHORIZED' });
    for (const path of ['/no-such-route', '/assets/missing.js', '/index.html/x']) {
      const missing = await t.http.get(path).expect(404);
      expect(missing.body).toMatchObject({ statusCode: 404, code: 'NOT_FOUND' });
    }
    const post = await t.http.post('/').send({}).expect(404);
    expect(post.body.code).toBe('NOT_FOUND');
  });

  it('sends the browser back from Stripe Checkout to the console page of the campaign', async () => {
    const id = '6f1c1a3e-2b1d-4c7e-9a55-0d6a8f1b2c3d';
    const browser = await t.http.get(`/campaigns/${id}?funding=success`).set('Accept', 'text/html,application/xhtml+xml,*/*;q=0.8').expect(303);
    expect(browser.headers.location).toBe(`/#/campaigns/${id}?funding=success`);
    // API clients on the same path still get the API's answer.
    for (const [query, accept] of [['funding=success', 'application/json'], ['funding=other', 'text/html']]) {
      const client = await t.http.get(`/campaigns/${id}?${query}`).set('Accept', accept);
      expect(client.status).not.toBe(303);
      expect(client.body).toMatchObject({ statusCode: client.status, code: expect.any(String) });
    }
  });

  it('does nothing when the console has not been built', () => {
    expect(serveWebConsole(t.app, join(dir, 'missing'))).toBe(false);
  });
});
