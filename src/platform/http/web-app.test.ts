import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startHarness, type Harness } from '../../../test/harness.ts';
import { testDatabases } from '../../../test/databases.ts';

describe('the desk web app at /desk/', () => {
  let h: Harness;
  const dist = fs.mkdtempSync(path.join(os.tmpdir(), 'rapport-dist-'));

  before(async () => {
    fs.mkdirSync(path.join(dist, 'assets'));
    fs.writeFileSync(path.join(dist, 'index.html'), '<!doctype html><title>desk</title>');
    fs.writeFileSync(path.join(dist, 'assets', 'app-abc123.js'), 'console.log(1)');
    const databases = await testDatabases();
    h = await startHarness(await databases[0]!.open());
  });
  after(async () => {
    await h.close();
    fs.rmSync(dist, { recursive: true, force: true });
  });

  test('serves assets for a year, screens as the app with a strict policy, and never leaves the folder', async () => {
    // The harness serves the repository's web/dist; these checks use a fixed build of our own.
    const { default: Fastify } = await import('fastify');
    const { registerWebAppRoutes } = await import('./web-app.routes.ts');
    const { enforceAccess } = await import('../../advisors/authenticate.ts');
    const app = Fastify();
    enforceAccess(app, h.ctx);
    registerWebAppRoutes(app, { distDir: dist });
    const asset = await app.inject({ url: '/desk/assets/app-abc123.js' });
    assert.equal(asset.statusCode, 200);
    assert.match(String(asset.headers['cache-control']), /immutable/);
    const screen = await app.inject({ url: '/desk/c/12' });
    assert.equal(screen.statusCode, 200);
    assert.match(screen.body, /<title>desk<\/title>/);
    assert.match(String(screen.headers['content-security-policy']), /script-src 'self'/);
    assert.equal((await app.inject({ url: '/desk/assets/missing.js' })).statusCode, 404);
    const escape = await app.inject({ url: '/desk/..%2f..%2fetc%2fpasswd' });
    assert.doesNotMatch(escape.body, /root:/);
    assert.equal((await app.inject({ url: '/desk' })).headers.location, '/desk/');
    await app.close();
  });

  test('a desk path holding a NUL names no file: 404, not a server error', async () => {
    const { default: Fastify } = await import('fastify');
    const { registerWebAppRoutes } = await import('./web-app.routes.ts');
    const { enforceAccess } = await import('../../advisors/authenticate.ts');
    const app = Fastify();
    enforceAccess(app, h.ctx);
    registerWebAppRoutes(app, { distDir: dist });
    for (const url of ['/desk/%00', '/desk/assets/%00.js', '/desk/a%00b'])
      assert.equal((await app.inject({ url })).statusCode, 404, url);
    await app.close();
  });
});
