import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { json, startHarness, type Harness } from '../../../test/harness.ts';
import { testDatabases } from '../../../test/databases.ts';

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

for (const db of await testDatabases()) {
  describe(`response headers and small leaks, on ${db.name}`, { skip: db.skip }, () => {
    let h: Harness;
    let admin: string;

    before(async () => {
      h = await startHarness(await db.open(), { config: { publicRateLimitPerMinute: 3 } });
      admin = await h.signIn(h.fixture.people.admin.email);
    });
    after(() => h?.close());

    test('no API answer may be kept by a cache, errors included', async () => {
      for (const [url, headers] of [
        ['/api/auth/me', { cookie: admin }],
        ['/api/customers', {}],
        ['/api/no-such-route', {}],
        ['/api/openapi.json', {}],
      ] as const) {
        const response = await h.app.inject({ method: 'GET', url, headers });
        assert.equal(response.headers['cache-control'], 'no-store', url);
      }
    });

    test('every page has a content security policy that forbids framing, the API docs included', async () => {
      const docs = await h.app.inject({ method: 'GET', url: '/api/docs/' });
      assert.equal(docs.statusCode, 200);
      assert.match(String(docs.headers['content-type']), /text\/html/);
      const policy = String(docs.headers['content-security-policy']);
      assert.match(policy, /frame-ancestors 'none'/);
      // Swagger UI loads its own scripts and the document from here: the policy must let it.
      assert.match(policy, /script-src 'self'/);
      assert.match(policy, /connect-src 'self'/);
      for (const url of [
        '/desk/',
        '/healthz',
        '/api/no-such-route',
        '/api/docs/static/swagger-ui.css',
      ]) {
        const response = await h.app.inject({ method: 'GET', url });
        assert.match(
          String(response.headers['content-security-policy']),
          /frame-ancestors 'none'/,
          url,
        );
      }
    });

    test('a client’s X-Request-Id is kept only when it is a short safe token', async () => {
      const kept = await h.app.inject({
        method: 'GET',
        url: '/healthz',
        headers: { 'x-request-id': 'trace-01.AB_c' },
      });
      assert.equal(kept.headers['x-request-id'], 'trace-01.AB_c');
      for (const given of ['a b', 'x'.repeat(65), '<script>', 'line\\nbreak', '']) {
        const response = await h.app.inject({
          method: 'GET',
          url: '/api/no-such-route',
          headers: { 'x-request-id': given },
        });
        const id = String(response.headers['x-request-id']);
        assert.match(id, uuid, `${JSON.stringify(given)} became ${id}`);
        assert.equal(json(response).requestId, id);
      }
    });

    test('/readyz tells only a signed-in admin which database runs', async () => {
      const anonymous = await h.app.inject({ method: 'GET', url: '/readyz' });
      assert.equal(anonymous.statusCode, 200);
      assert.deepEqual(json(anonymous), { status: 'ready' });
      const advisor = await h.app.inject({
        method: 'GET',
        url: '/readyz',
        headers: { cookie: await h.signIn(h.fixture.people.advisor.email) },
      });
      assert.deepEqual(json(advisor), { status: 'ready' });
      const byAdmin = await h.app.inject({
        method: 'GET',
        url: '/readyz',
        headers: { cookie: admin },
      });
      assert.deepEqual(json(byAdmin), { status: 'ready', database: db.name });
    });

    test('the public webhook route answers one address RAPPORT_PUBLIC_RATE_LIMIT times a minute', async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) {
        const response = await h.app.inject({
          method: 'POST',
          url: '/webhooks/gateway/987654',
          headers: { 'content-type': 'application/json' },
          payload: '{}',
        });
        statuses.push(response.statusCode);
      }
      assert.ok(!statuses.slice(0, 3).includes(429), String(statuses));
      assert.deepEqual(statuses.slice(3), [429, 429]);
    });

    test('the API docs’ static index.html leads to the docs once, whatever its query string', async () => {
      for (const url of ['/api/docs/static/index.html', '/api/docs/static/index.html?x=1']) {
        const response = await h.app.inject({ method: 'GET', url });
        assert.equal(response.statusCode, 302, url);
        const location = String(response.headers.location);
        assert.equal(location, '/api/docs/', url);
        const landed = await h.app.inject({ method: 'GET', url: location });
        assert.equal(landed.statusCode, 200, location);
      }
    });
  });
}
