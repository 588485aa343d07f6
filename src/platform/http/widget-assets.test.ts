import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import Fastify from 'fastify';
import { registerWidgetAssetRoutes } from './widget-assets.routes.ts';

describe('the chat widget at /widget.js and /widget.css', () => {
  const dist = fs.mkdtempSync(path.join(os.tmpdir(), 'rapport-widget-'));
  after(() => fs.rmSync(dist, { recursive: true, force: true }));

  test('any site may load them: script and style types, cross-origin headers, a short cache, an ETag', async () => {
    fs.writeFileSync(path.join(dist, 'widget.js'), 'console.log("widget")');
    fs.writeFileSync(path.join(dist, 'widget.css'), ':host{all:initial}');
    const app = Fastify();
    registerWidgetAssetRoutes(app, { distDir: dist });
    const script = await app.inject({ url: '/widget.js' });
    assert.equal(script.statusCode, 200);
    assert.equal(script.headers['content-type'], 'text/javascript; charset=utf-8');
    assert.equal(script.headers['access-control-allow-origin'], '*');
    assert.equal(script.headers['cross-origin-resource-policy'], 'cross-origin');
    assert.equal(script.headers['cache-control'], 'public, max-age=300');
    assert.equal(script.body, 'console.log("widget")');
    const style = await app.inject({ url: '/widget.css?v=abc' });
    assert.equal(style.headers['content-type'], 'text/css; charset=utf-8');
    assert.equal(style.body, ':host{all:initial}');

    const again = await app.inject({
      url: '/widget.js',
      headers: { 'if-none-match': String(script.headers.etag) },
    });
    assert.equal(again.statusCode, 304);
    const zipped = await app.inject({ url: '/widget.js', headers: { 'accept-encoding': 'gzip' } });
    assert.equal(zipped.headers['content-encoding'], 'gzip');
    assert.equal(gunzipSync(zipped.rawPayload).toString(), 'console.log("widget")');

    // A new build is served at once, under a new ETag.
    fs.writeFileSync(path.join(dist, 'widget.js'), 'console.log("widget 2")');
    fs.utimesSync(path.join(dist, 'widget.js'), new Date(), new Date(Date.now() + 5000));
    const rebuilt = await app.inject({ url: '/widget.js' });
    assert.equal(rebuilt.body, 'console.log("widget 2")');
    assert.notEqual(rebuilt.headers.etag, script.headers.etag);
    await app.close();
  });

  test('before `npm run build` they answer 503 not-built, saying what to run', async () => {
    const app = Fastify();
    registerWidgetAssetRoutes(app, { distDir: path.join(dist, 'nothing-here') });
    const response = await app.inject({ url: '/widget.js' });
    assert.equal(response.statusCode, 503);
    assert.match(String(response.headers['content-type']), /problem\+json/);
    const problem = response.json() as { type: string; detail: string };
    assert.match(problem.type, /not-built$/);
    assert.match(problem.detail, /npm run build/);
    await app.close();
  });
});
