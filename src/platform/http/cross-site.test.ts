import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import WebSocket from 'ws';
import type { LightMyRequestResponse } from 'fastify';
import { json, startHarness, type Harness } from '../../../test/harness.ts';
import { testDatabases } from '../../../test/databases.ts';

// Rapport on port 3000; the attacking page is another port of the same host: same site, other origin.
const ours = { host: '127.0.0.1:3000', origin: 'http://127.0.0.1:3000' };
const sameSitePage = 'http://127.0.0.1:4000';

for (const db of await testDatabases()) {
  describe(
    `requests from another origin of the same site, on ${db.name}`,
    { skip: db.skip },
    () => {
      let h: Harness;
      let admin: string;

      before(async () => {
        h = await startHarness(await db.open(), {
          config: { allowedOrigins: ['https://desk.example.com'] },
        });
        admin = await h.signIn(h.fixture.people.admin.email);
      });
      after(() => h?.close());

      async function newCustomer(n: number): Promise<number> {
        const created = await h.app.inject({
          method: 'POST',
          url: '/api/customers',
          headers: { cookie: admin, host: ours.host, origin: ours.origin },
          payload: { displayName: `Ada ${n}`, contact: { email: `ada-${n}@example.com` } },
        });
        assert.equal(created.statusCode, 201, created.body);
        return json<{ id: number }>(created).id;
      }

      async function nameOf(id: number): Promise<unknown> {
        const seen = await h.app.inject({
          method: 'GET',
          url: `/api/customers/${id}`,
          headers: { cookie: admin },
        });
        assert.equal(seen.statusCode, 200, seen.body);
        return json(seen).displayName;
      }

      function problemCode(response: LightMyRequestResponse): string {
        return json<{ type: string }>(response).type.split('/').pop()!;
      }

      test('a text/plain form from another port cannot erase a customer', async () => {
        const id = await newCustomer(1);
        const form = await h.app.inject({
          method: 'POST',
          url: `/api/customers/${id}/erase`,
          headers: {
            cookie: admin,
            host: ours.host,
            origin: sameSitePage,
            'content-type': 'text/plain',
          },
          payload: 'x=1',
        });
        assert.equal(form.statusCode, 403, form.body);
        assert.equal(problemCode(form), 'cross-site-request');
        assert.match(String(form.headers['content-type']), /^application\/problem\+json/);
        // A browser that sends no Origin still says the request is not same-origin.
        const noOrigin = await h.app.inject({
          method: 'POST',
          url: `/api/customers/${id}/erase`,
          headers: { cookie: admin, host: ours.host, 'sec-fetch-site': 'same-site' },
        });
        assert.equal(noOrigin.statusCode, 403, noOrigin.body);
        assert.equal(await nameOf(id), 'Ada 1');
      });

      test('a JSON fetch with cookies from another port cannot change or erase a customer', async () => {
        const id = await newCustomer(2);
        for (const [method, url, payload] of [
          ['PATCH', `/api/customers/${id}`, { displayName: 'Hijacked' }],
          ['POST', `/api/customers/${id}/erase`, {}],
        ] as const) {
          const response = await h.app.inject({
            method,
            url,
            headers: { cookie: admin, host: ours.host, origin: sameSitePage },
            payload,
          });
          assert.equal(response.statusCode, 403, `${method} ${url}: ${response.body}`);
          assert.equal(problemCode(response), 'cross-site-request');
        }
        const nullOrigin = await h.app.inject({
          method: 'POST',
          url: `/api/customers/${id}/erase`,
          headers: { cookie: admin, host: ours.host, origin: 'null' },
        });
        assert.equal(nullOrigin.statusCode, 403, nullOrigin.body);
        assert.equal(await nameOf(id), 'Ada 2');
      });

      test('a body that is not JSON is refused with 415 even from our own origin', async () => {
        const id = await newCustomer(3);
        for (const type of [
          'text/plain',
          'application/x-www-form-urlencoded',
          'multipart/form-data',
        ]) {
          const response = await h.app.inject({
            method: 'POST',
            url: `/api/customers/${id}/erase`,
            headers: { cookie: admin, host: ours.host, origin: ours.origin, 'content-type': type },
            payload: 'x=1',
          });
          assert.equal(response.statusCode, 415, `${type}: ${response.body}`);
          assert.equal(problemCode(response), 'unsupported-media-type');
        }
        const typed = await h.app.inject({
          method: 'PATCH',
          url: `/api/customers/${id}`,
          headers: { cookie: admin, host: ours.host, 'content-type': 'text/plain' },
          payload: '{"displayName":"Plain"}',
        });
        assert.equal(typed.statusCode, 415, typed.body);
        assert.equal(await nameOf(id), 'Ada 3');
      });

      test('the same requests from our own origin, or an allowed one, do their work', async () => {
        const id = await newCustomer(4);
        const renamed = await h.app.inject({
          method: 'PATCH',
          url: `/api/customers/${id}`,
          headers: { cookie: admin, host: ours.host, origin: ours.origin },
          payload: { displayName: 'Renamed here' },
        });
        assert.equal(renamed.statusCode, 200, renamed.body);
        assert.equal(await nameOf(id), 'Renamed here');
        const fromProxyAddress = await h.app.inject({
          method: 'PATCH',
          url: `/api/customers/${id}`,
          headers: {
            cookie: admin,
            host: ours.host,
            origin: 'https://desk.example.com',
            'sec-fetch-site': 'cross-site',
          },
          payload: { displayName: 'Renamed behind the proxy' },
        });
        assert.equal(fromProxyAddress.statusCode, 200, fromProxyAddress.body);
        const erased = await h.app.inject({
          method: 'POST',
          url: `/api/customers/${id}/erase`,
          headers: { cookie: admin, host: ours.host, 'sec-fetch-site': 'same-origin' },
        });
        assert.equal(erased.statusCode, 204, erased.body);
        assert.notEqual(await nameOf(id), 'Renamed behind the proxy');
        // Reading is not a change: a page elsewhere may not read the answer anyway (no CORS).
        const read = await h.app.inject({
          method: 'GET',
          url: `/api/customers/${id}`,
          headers: { cookie: admin, host: ours.host, origin: sameSitePage },
        });
        assert.equal(read.statusCode, 200, read.body);
      });

      test('a bearer token is not asked where it comes from', async () => {
        const response = await h.app.inject({
          method: 'POST',
          url: '/api/interactions/inbound',
          headers: {
            authorization: `Bearer ${h.fixture.gatewayToken}`,
            host: ours.host,
            origin: sameSitePage,
            cookie: admin,
          },
          payload: { kind: 'email', from: { email: 'bearer@example.com' }, text: 'Hello' },
        });
        assert.equal(response.statusCode, 201, response.body);
      });

      test('the live socket refuses a page of another origin before sending anything', async () => {
        await h.app.listen({ port: 0, host: '127.0.0.1' });
        const { port } = h.app.server.address() as AddressInfo;
        const url = `ws://127.0.0.1:${port}/api/live`;
        const foreign = new WebSocket(url, { headers: { cookie: admin }, origin: sameSitePage });
        const received: unknown[] = [];
        foreign.on('message', (data) => received.push(data));
        foreign.on('error', () => {});
        // Either the upgrade is refused with an HTTP answer, or the socket opens (the old behaviour).
        const outcome = await new Promise<number | 'opened'>((resolve) => {
          foreign.on('unexpected-response', (_request, response) =>
            resolve(response.statusCode ?? 0),
          );
          foreign.on('open', () => resolve('opened'));
        });
        assert.equal(outcome, 403);
        assert.deepEqual(received, []);
        foreign.terminate();

        const own = new WebSocket(url, {
          headers: { cookie: admin },
          origin: `http://127.0.0.1:${port}`,
        });
        const [hello] = (await once(own, 'message')) as [Buffer];
        assert.equal(JSON.parse(hello.toString()).type, 'hello');
        own.close();
      });
    },
  );
}
