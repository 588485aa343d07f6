import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { json, startHarness, type Harness } from '../../test/harness.ts';
import { testDatabases } from '../../test/databases.ts';
import type { WorkItem } from './work-list.ts';

for (const database of await testDatabases()) {
  describe(`the desk's routes on ${database.name}`, { skip: database.skip }, () => {
    let h: Harness;
    let advisor: string;
    let techAdvisor: string;

    before(async () => {
      h = await startHarness(await database.open());
      advisor = await h.signIn(h.fixture.people.advisor.email);
      techAdvisor = await h.signIn(h.fixture.people.techAdvisor.email);
    });
    after(() => h.close());

    const inbound = async (payload: Record<string, unknown>) =>
      json<{ conversationId: number }>(
        await h.app.inject({
          method: 'POST',
          url: '/api/interactions/inbound',
          headers: { authorization: `Bearer ${h.fixture.gatewayToken}` },
          payload,
        }),
      );
    const work = async (query: string, cookie = advisor) => {
      const response = await h.app.inject({
        method: 'GET',
        url: `/api/desk/work?${query}`,
        headers: { cookie },
      });
      assert.equal(response.statusCode, 200, response.body);
      return json<{ items: WorkItem[]; total: number }>(response);
    };

    test('waiting work comes earliest deadline first, whatever the channel', async () => {
      const email = await inbound({
        kind: 'email',
        from: { email: 'ines@example.com', name: 'Inès' },
        text: 'Invoice wrong',
      });
      h.clock.advance(30_000);
      const chat = await inbound({
        kind: 'chat_message',
        from: { email: 'bruno@example.com', name: 'Bruno' },
        text: 'Hello?',
      });
      const { items, total } = await work('view=waiting');
      assert.equal(total, 2);
      // The chat arrived later but its 60 s promise runs out long before the email's 4 h.
      assert.deepEqual(
        items.map((i) => i.conversationId),
        [chat.conversationId, email.conversationId],
      );
      assert.equal(items[0]!.customerName, 'Bruno');
      assert.equal(Date.parse(items[0]!.deadline!) - Date.parse(items[0]!.waitingSince!), 60_000);
      assert.deepEqual(
        (await work('view=waiting&channel=email')).items.map((i) => i.conversationId),
        [email.conversationId],
      );
    });

    test('an answered case leaves the waiting list and stays in my cases', async () => {
      const { items } = await work('view=waiting&channel=chat');
      const id = items[0]!.conversationId;
      const reply = await h.app.inject({
        method: 'POST',
        url: `/api/conversations/${id}/interactions`,
        headers: { cookie: advisor },
        payload: { kind: 'chat_message', text: 'Hi!' },
      });
      assert.equal(reply.statusCode, 201);
      assert.equal((await work('view=waiting&channel=chat')).total, 0);
      const mine = await work('view=mine');
      assert.deepEqual(
        mine.items.map((i) => [i.conversationId, i.status, i.waitingSince]),
        [[id, 'pending_customer', null]],
      );
    });

    test('an advisor sees only their scope; bad filters are refused', async () => {
      assert.equal((await work('view=waiting', techAdvisor)).total, 0);
      assert.equal(
        (
          await h.app.inject({
            method: 'GET',
            url: '/api/desk/work?view=all',
            headers: { cookie: advisor },
          })
        ).statusCode,
        400,
      );
      assert.equal(
        (
          await h.app.inject({
            method: 'GET',
            url: '/api/desk/work?view=mine&colour=red',
            headers: { cookie: advisor },
          })
        ).statusCode,
        400,
      );
      assert.equal(
        (await h.app.inject({ method: 'GET', url: '/api/desk/work?view=mine' })).statusCode,
        401,
      );
    });

    test('the directory names colleagues; features follow the routes present', async () => {
      const directory = json<{ advisors: Array<{ name: string; role: string }> }>(
        await h.app.inject({
          method: 'GET',
          url: '/api/desk/directory',
          headers: { cookie: advisor },
        }),
      );
      assert.ok(directory.advisors.some((a) => a.name === 'Advisor'));
      assert.ok(!directory.advisors.some((a) => a.role === 'integration'));
      const features = json(
        await h.app.inject({
          method: 'GET',
          url: '/api/desk/features',
          headers: { cookie: advisor },
        }),
      );
      assert.deepEqual(features, { presence: true, queues: true, offers: true });
    });
  });
}

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
    const { registerDeskRoutes } = await import('./desk.routes.ts');
    const { enforceAccess } = await import('../advisors/authenticate.ts');
    const app = Fastify();
    enforceAccess(app, h.ctx);
    registerDeskRoutes(app, h.ctx, { distDir: dist });
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
});
