import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import WebSocket from 'ws';
import { json, startHarness, type Harness } from '../../../test/harness.ts';
import { testDatabases } from '../../../test/databases.ts';
import { createChannelAccount } from '../channel-accounts.ts';
import { createSecretBox } from '../../platform/secrets.ts';
import { systemActor, type DomainEvent } from '../../platform/events/event.ts';
import type { ChatMessage, ChatState, VisitorSession } from '../../api-types/chat.ts';
import { runAdapterContract, type DeliveryAnswer } from '../adapter-contract.ts';
import { createChatAdapter } from './chat-adapter.ts';
import { userHashOf } from './visitors.ts';
import { Tab } from '../../../test/chat-tab.ts';
import { buildHttpApp } from '../../platform/http/app.ts';
import { enforceAccess } from '../../advisors/authenticate.ts';
import { createOutbox } from '../../server.ts';
import { createChatHub } from './chat-hub.ts';
import { registerChatRoutes } from './chat.routes.ts';

const secretKey = 'a-secret-key-for-chat-tests-0123456789';
const identitySecret = 'the-company-signs-its-user-ids-with-this';

for (const database of await testDatabases()) {
  describe(`the website chat on ${database.name}`, { skip: database.skip }, () => {
    let h: Harness;
    let port: number;
    let advisor: string;
    const keys = { open: 'acme-site', strict: 'strict-site', fresh: 'fresh-site' };
    const tabs: Tab[] = [];
    const events: DomainEvent[] = [];

    before(async () => {
      h = await startHarness(await database.open(), {
        // A limit this suite never reaches: the routes still carry it.
        config: { secretKey, publicRateLimitPerMinute: 100_000 },
      });
      const box = createSecretBox(secretKey);
      await h.ctx.writer.run(async (unit) => {
        const add = (address: string, settings: Record<string, string | boolean>) =>
          createChannelAccount(
            unit,
            box,
            {
              channel: 'chat',
              provider: 'widget',
              displayName: `Chat ${address}`,
              address,
              teamId: h.fixture.teams.care,
              settings,
              secrets: { identitySecret },
            },
            systemActor,
          );
        await add(keys.open, { colour: '#123456', greeting: 'Hi there' });
        await add(keys.strict, { identityRequired: true });
        await add(keys.fresh, { afterResolved: 'new', origins: 'https://shop.example' });
      });
      h.ctx.bus.subscribe((event) => void events.push(event));
      advisor = await h.signIn(h.fixture.people.advisor.email);
      await h.app.listen({ port: 0, host: '127.0.0.1' });
      port = (h.app.server.address() as AddressInfo).port;
    });
    after(async () => {
      for (const tab of tabs) tab.socket.terminate();
      await h?.close();
    });

    const startVisitor = async (key: string, body: Record<string, unknown> = {}) => {
      const response = await h.app.inject({
        method: 'POST',
        url: `/api/widget/${key}/visitors`,
        payload: body,
      });
      assert.equal(response.statusCode, 200, response.body);
      return json<VisitorSession>(response);
    };
    const open = async (key: string, headers: Record<string, string> = {}) => {
      const socket = new WebSocket(`ws://127.0.0.1:${port}/api/widget/${key}/socket`, { headers });
      const tab = new Tab(socket);
      tabs.push(tab);
      await once(socket, 'open');
      return tab;
    };
    const connect = async (key: string, token: string, after: number | null = null, more = {}) => {
      const tab = await open(key);
      tab.send({ type: 'hello', token, after, ...more });
      await tab.next('welcome');
      return tab;
    };
    const reply = async (conversationId: number, text: string) => {
      const response = await h.app.inject({
        method: 'POST',
        url: `/api/conversations/${conversationId}/interactions`,
        headers: { cookie: advisor },
        payload: { kind: 'chat_message', text },
      });
      assert.equal(response.statusCode, 201, response.body);
      return json<{ id: number }>(response).id;
    };
    const stored = (visitorId: number, clientId: string) =>
      h.ctx.store.db
        .selectFrom('interactions')
        .selectAll()
        .where('provider', '=', 'widget')
        .where('provider_id', '=', `${visitorId}:${clientId}`)
        .execute();

    test('a visitor’s message is acknowledged, stored once, echoed to their other tab, and the advisor’s reply reaches both', async () => {
      const session = await startVisitor(keys.open);
      assert.equal(session.verified, false);
      assert.equal(session.conversationId, null);
      const a = await connect(keys.open, session.token);
      const b = await connect(keys.open, session.token);
      a.send({ type: 'message', clientId: 'm-1', text: 'Hello, is anyone there?' });
      const ack = await a.next('ack', (f) => f.clientId === 'm-1');
      const echo = await b.next('message', (f) => f.message.clientId === 'm-1');
      assert.equal(echo.message.id, ack.id);
      assert.equal(echo.message.author, 'visitor');
      // A resend of the same client id is the same message.
      a.send({ type: 'message', clientId: 'm-1', text: 'Hello, is anyone there?' });
      const again = await a.next('ack', (f) => f.clientId === 'm-1', a.frames.indexOf(ack) + 1);
      assert.equal(again.id, ack.id);
      assert.equal((await stored(session.visitorId, 'm-1')).length, 1);
      assert.equal(
        a.frames.filter((f) => f.type === 'message' && f.message.clientId === 'm-1').length,
        0,
        'the tab that sent it has its ack, not an echo',
      );

      const id = await reply(ack.conversationId, 'Yes, Advisor here.');
      for (const tab of [a, b]) {
        const pushed = await tab.next('message', (f) => f.message.id === id);
        assert.equal(pushed.message.author, 'advisor');
        assert.equal(pushed.message.name, 'Advisor');
        assert.equal(pushed.message.text, 'Yes, Advisor here.');
        await tab.next('advisor', (f) => f.name === 'Advisor');
      }
      // Pushed to an open socket: delivered.
      const row = await waitFor(async () => {
        const r = await h.ctx.store.db
          .selectFrom('interactions')
          .selectAll()
          .where('id', '=', id)
          .executeTakeFirstOrThrow();
        return r.delivery_state === 'delivered' && r;
      });
      assert.equal(row.provider_id, `widget:${id}`);
    });

    test('a reconnect in mid-conversation loses no message and doubles none (unacknowledged ones are resent)', async () => {
      const session = await startVisitor(keys.open);
      const first = await connect(keys.open, session.token);
      first.send({ type: 'message', clientId: 'r-1', text: 'one' });
      const ack1 = await first.next('ack', (f) => f.clientId === 'r-1');
      const answer = await reply(ack1.conversationId, 'two');
      await first.next('message', (f) => f.message.id === answer);
      // r-2 is sent and the network drops before its ack can be read.
      first.send({ type: 'message', clientId: 'r-2', text: 'three' });
      first.socket.terminate();
      await first.closed;
      const second = await connect(keys.open, session.token, answer);
      // The widget resends what it never saw acknowledged, then goes on.
      second.send({ type: 'message', clientId: 'r-2', text: 'three' });
      second.send({ type: 'message', clientId: 'r-3', text: 'four' });
      await second.next('ack', (f) => f.clientId === 'r-3');
      const ack2 = await second.next('ack', (f) => f.clientId === 'r-2');
      assert.equal((await stored(session.visitorId, 'r-2')).length, 1);
      // Everything after the cursor, once: r-2 if it was stored before the cut, never twice.
      const resynced = second.messages().map((m) => m.id);
      assert.equal(new Set(resynced).size, resynced.length, 'a message came twice');
      const all = json<{ items: ChatMessage[] }>(
        await h.app.inject({
          url: `/api/widget/${keys.open}/messages`,
          headers: { authorization: `Visitor ${session.token}` },
        }),
      ).items;
      assert.deepEqual(
        all.map((m) => m.text),
        ['one', 'two', 'three', 'four'],
      );
      assert.equal(all[2]!.id, ack2.id);
    });

    test('a socket cut while the advisor sends three messages gets all three after reconnecting with its cursor', async () => {
      const session = await startVisitor(keys.open);
      const tab = await connect(keys.open, session.token);
      tab.send({ type: 'message', clientId: 'c-1', text: 'Are you there?' });
      const ack = await tab.next('ack');
      const seen = ack.id;
      tab.socket.terminate();
      await tab.closed;
      const sent: number[] = [];
      for (const text of ['First', 'Second', 'Third'])
        sent.push(await reply(ack.conversationId, text));
      const back = await connect(keys.open, session.token, seen);
      await back.next('message', (f) => f.message.id === sent[2]);
      assert.deepEqual(
        back.messages().map((m) => m.id),
        sent,
      );
      const welcome = await back.next('welcome');
      assert.equal(welcome.unread, 3);
      // They reached the visitor with the re-sync: delivered.
      await waitFor(async () => {
        const rows = await h.ctx.store.db
          .selectFrom('interactions')
          .select('delivery_state')
          .where('id', 'in', sent)
          .execute();
        return rows.every((r) => r.delivery_state === 'delivered');
      });
    });

    test('three parallel first sends (two tabs and the HTTP fallback) open one conversation', async () => {
      const session = await startVisitor(keys.open);
      const a = await connect(keys.open, session.token);
      const b = await connect(keys.open, session.token);
      a.send({ type: 'message', clientId: 'p-a', text: 'from tab a' });
      b.send({ type: 'message', clientId: 'p-b', text: 'from tab b' });
      const http = await h.app.inject({
        method: 'POST',
        url: `/api/widget/${keys.open}/messages`,
        headers: { authorization: `Visitor ${session.token}` },
        payload: { clientId: 'p-c', text: 'from the fallback' },
      });
      assert.equal(http.statusCode, 201, http.body);
      const acks = [
        await a.next('ack'),
        await b.next('ack'),
        json<{ conversationId: number }>(http),
      ];
      assert.equal(new Set(acks.map((x) => x.conversationId)).size, 1);
      const cases = await h.ctx.store.db
        .selectFrom('conversations')
        .innerJoin('chat_visitors', 'chat_visitors.customer_id', 'conversations.customer_id')
        .select('conversations.id')
        .where('chat_visitors.id', '=', session.visitorId)
        .execute();
      assert.equal(cases.length, 1);
    });

    test('a wrong or missing identity hash is refused on every endpoint of a chat that requires it', async () => {
      const userId = 'user-42';
      const hash = userHashOf(identitySecret, userId);
      const wrong = userHashOf('another-secret', userId);
      const post = (body: Record<string, unknown>) =>
        h.app.inject({ method: 'POST', url: `/api/widget/${keys.strict}/visitors`, payload: body });
      const problem = (r: { statusCode: number; body: string }) =>
        `${r.statusCode} ${String(JSON.parse(r.body).type).split('/').pop()}`;
      assert.equal(problem(await post({})), '401 identity-not-verified');
      assert.equal(problem(await post({ userId })), '401 identity-not-verified');
      assert.equal(problem(await post({ userId, userHash: wrong })), '401 identity-not-verified');
      // An email claim is not an identity.
      assert.equal(
        problem(await post({ email: 'boss@acme.example' })),
        '401 identity-not-verified',
      );
      const good = await post({ userId, userHash: hash });
      assert.equal(good.statusCode, 200, good.body);
      const session = json<VisitorSession>(good);
      assert.equal(session.verified, true);
      const token = { authorization: `Visitor ${session.token}` };
      const identity = { 'x-rapport-user-id': userId, 'x-rapport-user-hash': hash };
      for (const [method, url, payload] of [
        ['GET', `/api/widget/${keys.strict}/messages`, undefined],
        ['POST', `/api/widget/${keys.strict}/messages`, { clientId: 'i-1', text: 'hi' }],
      ] as const) {
        for (const headers of [
          token,
          { ...token, 'x-rapport-user-id': userId },
          { ...token, ...identity, 'x-rapport-user-hash': wrong },
          { ...token, ...identity, 'x-rapport-user-id': 'user-43' },
          identity,
        ]) {
          const refused = await h.app.inject({
            method,
            url,
            headers,
            ...(payload ? { payload } : {}),
          });
          assert.equal(refused.statusCode, 401, `${method} ${url} ${JSON.stringify(headers)}`);
          assert.match(String(refused.headers['content-type']), /^application\/problem\+json/);
        }
        const ok = await h.app.inject({
          method,
          url,
          headers: { ...token, ...identity },
          ...(payload ? { payload } : {}),
        });
        assert.ok(ok.statusCode < 300, `${method} ${url}: ${ok.body}`);
      }
      // The config is public: the launcher shows before anyone is known.
      const config = await h.app.inject({ url: `/api/widget/${keys.strict}/config` });
      assert.equal(config.statusCode, 200);
      assert.equal(json(config).identityRequired, true);
      // The socket: a hello without the identity, or with a wrong hash, is closed with 4401.
      for (const more of [
        {},
        { userId, userHash: wrong },
        { userId: 'user-43', userHash: userHashOf(identitySecret, 'user-43') },
      ]) {
        const tab = await open(keys.strict);
        tab.send({ type: 'hello', token: session.token, after: null, ...more });
        const { code, reason } = await tab.closed;
        assert.equal(code, 4401, JSON.stringify(more));
        assert.ok(reason.length > 0);
      }
      await connect(keys.strict, session.token, null, { userId, userHash: hash });
      // A bad token is refused too.
      const forged = await open(keys.open);
      forged.send({ type: 'hello', token: `${session.token}x`, after: null });
      assert.equal((await forged.closed).code, 4401);
    });

    test('two tabs agree on unread counts, and our messages are read in their delivery history', async () => {
      const session = await startVisitor(keys.open);
      const a = await connect(keys.open, session.token);
      a.send({ type: 'message', clientId: 'u-1', text: 'Hi' });
      const ack = await a.next('ack');
      const b = await connect(keys.open, session.token);
      const one = await reply(ack.conversationId, 'One');
      const two = await reply(ack.conversationId, 'Two');
      await b.next('message', (f) => f.message.id === two);
      await a.next('message', (f) => f.message.id === two);
      a.send({ type: 'read', upTo: one });
      const seen = await b.next('seen', (f) => f.upTo === one);
      assert.equal(seen.unread, 1);
      a.send({ type: 'read', upTo: two });
      assert.equal((await b.next('seen', (f) => f.upTo === two)).unread, 0);
      assert.equal(a.frames.filter((f) => f.type === 'seen').length, 0, 'the reading tab knows');
      const states = await h.ctx.store.db
        .selectFrom('interactions')
        .select(['id', 'delivery_state'])
        .where('id', 'in', [one, two])
        .orderBy('id')
        .execute();
      assert.deepEqual(
        states.map((s) => s.delivery_state),
        ['read', 'read'],
      );
      // The desk reads the chat's state; the advisor's read mark reaches the visitor.
      const state = json<ChatState>(
        await h.app.inject({
          url: `/api/conversations/${ack.conversationId}/chat`,
          headers: { cookie: advisor },
        }),
      );
      assert.equal(state.visitorReadUpTo, two);
      assert.equal(state.online, true);
      const read = await h.app.inject({
        method: 'POST',
        url: `/api/conversations/${ack.conversationId}/read`,
        headers: { cookie: advisor },
        payload: { upTo: ack.id },
      });
      assert.equal(read.statusCode, 204);
      await a.next('read', (f) => f.upTo === ack.id);
      // Out of the case's scope, the chat does not exist.
      const tech = await h.signIn(h.fixture.people.techAdvisor.email);
      const hidden = await h.app.inject({
        url: `/api/conversations/${ack.conversationId}/chat`,
        headers: { cookie: tech },
      });
      assert.equal(hidden.statusCode, 404);
    });

    for (const mode of ['reopen', 'new'] as const) {
      test(`a resolved chat that gets three parallel messages ${mode === 'reopen' ? 'is reopened' : 'starts one new case'}, exactly once`, async () => {
        const key = mode === 'reopen' ? keys.open : keys.fresh;
        const origin = mode === 'new' ? { origin: 'https://shop.example' } : {};
        const session = await startVisitor(key);
        const a = await connect(key, session.token);
        a.send({ type: 'message', clientId: 'f-1', text: 'First' });
        const ack = await a.next('ack');
        await reply(ack.conversationId, 'Sorted?');
        const resolved = await h.app.inject({
          method: 'PATCH',
          url: `/api/conversations/${ack.conversationId}`,
          headers: { cookie: advisor },
          payload: { status: 'resolved' },
        });
        assert.equal(resolved.statusCode, 200, resolved.body);
        await a.next('status', (f) => f.status === 'resolved');
        const b = await connect(key, session.token);
        a.send({ type: 'message', clientId: 'f-2', text: 'One more thing' });
        b.send({ type: 'message', clientId: 'f-3', text: 'And another' });
        const http = await h.app.inject({
          method: 'POST',
          url: `/api/widget/${key}/messages`,
          headers: { authorization: `Visitor ${session.token}`, ...origin },
          payload: { clientId: 'f-4', text: 'And a third' },
        });
        assert.equal(http.statusCode, 201, http.body);
        const later = [
          (await a.next('ack', (f) => f.clientId === 'f-2')).conversationId,
          (await b.next('ack', (f) => f.clientId === 'f-3')).conversationId,
          json<{ conversationId: number }>(http).conversationId,
        ];
        assert.equal(new Set(later).size, 1, 'the three landed in different cases');
        const cases = await h.ctx.store.db
          .selectFrom('conversations')
          .select(['id', 'status'])
          .where('customer_id', '=', (await stored(session.visitorId, 'f-1'))[0]!.customer_id)
          .orderBy('id')
          .execute();
        if (mode === 'reopen') {
          assert.equal(later[0], ack.conversationId);
          assert.deepEqual(cases, [{ id: ack.conversationId, status: 'open' }]);
        } else {
          assert.notEqual(later[0], ack.conversationId);
          assert.deepEqual(
            cases.map((c) => c.status),
            ['resolved', 'open'],
          );
        }
      });
    }

    test('the advisor who accepts the chat is named to the visitor', async () => {
      const session = await startVisitor(keys.open);
      const tab = await connect(keys.open, session.token);
      tab.send({ type: 'message', clientId: 'w-1', text: 'Anyone?' });
      const ack = await tab.next('ack');
      // Routing offered the chat to the advisor (as a dispatch round would); they accept it.
      const item = await h.ctx.store.db
        .selectFrom('work_items')
        .select('id')
        .where('conversation_id', '=', ack.conversationId)
        .executeTakeFirstOrThrow();
      await h.ctx.writer.run((unit) =>
        unit.db
          .updateTable('work_items')
          .set({
            status: 'offered',
            advisor_id: h.fixture.people.advisor.id,
            offered_at: unit.now,
            offer_expires_at: unit.now + 60_000,
          })
          .where('id', '=', item.id)
          .execute(),
      );
      const accepted = await h.app.inject({
        method: 'POST',
        url: `/api/routing/work-items/${item.id}/accept`,
        headers: { cookie: advisor },
      });
      assert.ok(accepted.statusCode < 300, accepted.body);
      assert.deepEqual(await tab.next('advisor'), {
        type: 'advisor',
        name: 'Advisor',
        photoUrl: null,
      });
      // A tab that joins later is told who is answering.
      const later = await connect(keys.open, session.token, ack.id);
      assert.equal((await later.next('advisor')).name, 'Advisor');
    });

    test('a message names files the visitor uploaded, within the account’s types', async () => {
      const session = await startVisitor(keys.open);
      const tab = await connect(keys.open, session.token);
      const blob = async (sha256: string, contentType: string) =>
        h.ctx.writer.run((unit) =>
          unit.db
            .insertInto('blobs')
            .values({
              sha256,
              size: 5,
              content_type: contentType,
              bytes: Buffer.from('hello'),
              created_at: unit.now,
            })
            .execute(),
        );
      await blob('a'.repeat(64), 'image/png');
      await blob('b'.repeat(64), 'application/x-msdownload');
      const upload = (id: string) => ({
        id,
        name: 'photo.png',
        contentType: 'image/png',
        size: 999,
      });
      tab.send({
        type: 'message',
        clientId: 'up-1',
        text: '',
        attachments: [upload('a'.repeat(64))],
      });
      const ack = await tab.next('ack');
      const [row] = await stored(session.visitorId, 'up-1');
      assert.deepEqual(JSON.parse(row!.attachments), [
        { id: 'a'.repeat(64), name: 'photo.png', contentType: 'image/png', size: 5 },
      ]);
      assert.equal(ack.id, row!.id);
      // A name is the visitor's word: folders and direction marks do not survive.
      tab.send({
        type: 'message',
        clientId: 'up-name',
        text: '',
        attachments: [{ ...upload('a'.repeat(64)), name: '../../invoice\u202Efdp.exe' }],
      });
      await tab.next('ack', (f) => f.clientId === 'up-name');
      const [named] = await stored(session.visitorId, 'up-name');
      const [file] = JSON.parse(named!.attachments) as { name: string }[];
      assert.doesNotMatch(file!.name, /[/\\\u202E]/);
      for (const id of ['b'.repeat(64), 'c'.repeat(64)]) {
        tab.send({
          type: 'message',
          clientId: `up-${id[0]}`,
          text: 'x',
          attachments: [upload(id)],
        });
        const error = await tab.next('error', (f) => f.code === 'invalid', 0);
        tab.frames.splice(tab.frames.indexOf(error), 1);
        assert.equal((await stored(session.visitorId, `up-${id[0]}`)).length, 0);
      }
    });

    test('visitor text is stored as text, never as markup', async () => {
      const session = await startVisitor(keys.open, {
        name: '<b>Eve</b>',
        email: 'ceo@acme.example',
      });
      const tab = await connect(keys.open, session.token);
      const hostile = '<img src=x onerror="alert(1)"> & <script>steal()</script>';
      tab.send({ type: 'message', clientId: 'x-1', text: hostile });
      const ack = await tab.next('ack');
      const [row] = await stored(session.visitorId, 'x-1');
      assert.equal(row!.text, hostile);
      assert.equal(row!.html, null);
      const desk = json<{ items: Array<{ id: number; text: string; html: string | null }> }>(
        await h.app.inject({
          url: `/api/conversations/${ack.conversationId}/interactions`,
          headers: { cookie: advisor },
        }),
      );
      const seen = desk.items.find((i) => i.id === ack.id)!;
      assert.equal(seen.text, hostile);
      assert.equal(seen.html, null);
      // The claimed email is kept apart, unverified: it is nobody's identity.
      const identities = await h.ctx.store.db
        .selectFrom('identities')
        .select(['kind', 'network', 'value'])
        .where('customer_id', '=', row!.customer_id)
        .orderBy('id')
        .execute();
      assert.deepEqual(identities, [
        { kind: 'external', network: 'widget-visitor', value: String(session.visitorId) },
        { kind: 'email', network: 'unverified', value: 'ceo@acme.example' },
      ]);
    });

    test('typing goes both ways; pages are kept (the last 50) and reach the desk', async () => {
      const session = await startVisitor(keys.open);
      const tab = await connect(keys.open, session.token);
      tab.send({ type: 'message', clientId: 't-1', text: 'Typing test' });
      const ack = await tab.next('ack');
      const from = events.length;
      tab.send({ type: 'typing', typing: true });
      await waitFor(async () =>
        events
          .slice(from)
          .find((e) => e.type === 'chat.typing' && e.scope.conversationId === ack.conversationId),
      );
      const typing = await h.app.inject({
        method: 'POST',
        url: `/api/conversations/${ack.conversationId}/typing`,
        headers: { cookie: advisor },
        payload: { typing: true },
      });
      assert.equal(typing.statusCode, 204);
      const frame = await tab.next('typing');
      assert.deepEqual(frame, { type: 'typing', name: 'Advisor', typing: true });
      for (let n = 1; n <= 52; n++)
        tab.send({
          type: 'page',
          url: `https://acme.example/p/${n}?q=router+${n}`,
          title: `Page ${n}`,
        });
      await waitFor(async () =>
        events.find((e) => e.type === 'chat.page' && JSON.stringify(e.after).includes('/p/52')),
      );
      const state = json<ChatState>(
        await h.app.inject({
          url: `/api/conversations/${ack.conversationId}/chat`,
          headers: { cookie: advisor },
        }),
      );
      assert.equal(state.pages.length, 50);
      assert.equal(state.pages[0]!.title, 'Page 52');
      assert.equal(state.pages[0]!.search, 'router 52');
      assert.equal(state.typing, true);
    });

    test('the widget answers CORS for the account’s origins only, and its config says how it looks', async () => {
      const preflight = await h.app.inject({
        method: 'OPTIONS',
        url: `/api/widget/${keys.fresh}/messages`,
        headers: { origin: 'https://shop.example', 'access-control-request-method': 'POST' },
      });
      assert.equal(preflight.statusCode, 204);
      assert.equal(preflight.headers['access-control-allow-origin'], 'https://shop.example');
      assert.match(String(preflight.headers['access-control-allow-headers']), /authorization/);
      const foreign = await h.app.inject({
        url: `/api/widget/${keys.fresh}/config`,
        headers: { origin: 'https://evil.example' },
      });
      assert.equal(foreign.statusCode, 403);
      assert.equal(json(foreign).type, 'https://rapport.dev/problems/origin-not-allowed');
      const socket = await open(keys.fresh, { origin: 'https://evil.example' });
      assert.equal((await socket.closed).code, 4403);
      const config = await h.app.inject({
        url: `/api/widget/${keys.open}/config`,
        headers: { origin: 'https://anywhere.example' },
      });
      assert.equal(config.headers['access-control-allow-origin'], 'https://anywhere.example');
      const body = json(config);
      assert.equal(body.colour, '#123456');
      assert.equal(body.greeting, 'Hi there');
      assert.equal(body.online, false);
      await h.app.inject({
        method: 'PUT',
        url: '/api/routing/presence',
        headers: { cookie: advisor },
        payload: { presence: 'available' },
      });
      const online = json(await h.app.inject({ url: `/api/widget/${keys.open}/config` }));
      assert.equal(online.online, true);
      assert.equal(
        (await h.app.inject({ url: '/api/widget/no-such-chat/config' })).statusCode,
        404,
      );
    });

    test('erasing a visitor’s customer closes their tabs, refuses their token and forgets their pages', async () => {
      const session = await startVisitor(keys.open);
      const tab = await connect(keys.open, session.token);
      tab.send({ type: 'message', clientId: 'e-1', text: 'Forget me' });
      const ack = await tab.next('ack');
      tab.send({ type: 'page', url: 'https://acme.example/account/secret-page', title: 'Mine' });
      await waitFor(async () =>
        events.find((e) => e.type === 'chat.page' && e.scope.conversationId === ack.conversationId),
      );
      const [row] = await stored(session.visitorId, 'e-1');
      const admin = await h.signIn(h.fixture.people.admin.email);
      const erased = await h.app.inject({
        method: 'POST',
        url: `/api/customers/${row!.customer_id}/erase`,
        headers: { cookie: admin },
      });
      assert.equal(erased.statusCode, 204, erased.body);
      assert.equal((await tab.closed).code, 4401);
      const refused = await h.app.inject({
        url: `/api/widget/${keys.open}/messages`,
        headers: { authorization: `Visitor ${session.token}` },
      });
      assert.equal(refused.statusCode, 401);
      assert.equal(json(refused).type, 'https://rapport.dev/problems/visitor-token-invalid');
      await waitFor(async () => {
        const pages = await h.ctx.store.db
          .selectFrom('chat_pages')
          .select('id')
          .where('visitor_id', '=', session.visitorId)
          .execute();
        return pages.length === 0;
      });
      // A signed-in user whose customer was erased comes back as someone new.
      const userId = 'user-erased';
      const claim = { userId, userHash: userHashOf(identitySecret, userId) };
      const before = await startVisitor(keys.open, claim);
      const customer = await h.ctx.store.db
        .selectFrom('chat_visitors')
        .select('customer_id')
        .where('id', '=', before.visitorId)
        .executeTakeFirstOrThrow();
      await h.app.inject({
        method: 'POST',
        url: `/api/customers/${customer.customer_id}/erase`,
        headers: { cookie: admin },
      });
      const afresh = await startVisitor(keys.open, claim);
      assert.notEqual(afresh.visitorId, before.visitorId);
      assert.equal(afresh.verified, true);
      await connect(keys.open, afresh.token);
    });

    test('a tab that floods frames is slowed down, and nothing of the flood is stored', async () => {
      const session = await startVisitor(keys.open);
      const tab = await connect(keys.open, session.token);
      for (let n = 0; n < 70; n++)
        tab.send({ type: 'message', clientId: `flood-${n}`, text: 'spam' });
      const refused = await tab.next('error', (f) => f.code === 'rate-limited');
      assert.match(refused.detail, /too many/);
      await tab.next('ack', (f) => f.clientId === 'flood-58');
      const rows = await h.ctx.store.db
        .selectFrom('interactions')
        .select('id')
        .where('provider', '=', 'widget')
        .where('provider_id', 'like', `${session.visitorId}:flood-%`)
        .execute();
      // The hello was the first of the window's 60 frames.
      assert.equal(rows.length, 59);
    });

    test('a socket that says no hello in time is closed with 4401', async () => {
      // The same routes on a server of their own, with a short wait for the hello.
      const app = await buildHttpApp(h.ctx);
      enforceAccess(app, h.ctx);
      registerChatRoutes(app, h.ctx, {
        hub: createChatHub(h.ctx),
        outbox: createOutbox(h.ctx),
        helloTimeoutMs: 50,
      });
      await app.listen({ port: 0, host: '127.0.0.1' });
      try {
        const { port: own } = app.server.address() as AddressInfo;
        const silent = new Tab(
          new WebSocket(`ws://127.0.0.1:${own}/api/widget/${keys.open}/socket`),
        );
        assert.deepEqual(await silent.closed, { code: 4401, reason: 'no hello in time' });
      } finally {
        await app.close();
      }
    });

    test('widget routes are rate limited like webhooks', async () => {
      const config = await h.app.inject({ url: `/api/widget/${keys.open}/config` });
      assert.equal(config.headers['x-ratelimit-limit'], '100000');
    });

    describe('the adapter contract', () => {
      let token: string;
      let visitorId: number;
      before(async () => {
        const session = await startVisitor(keys.open);
        token = session.token;
        visitorId = session.visitorId;
      });
      const deliver = async (clientId: string, auth: string): Promise<DeliveryAnswer> => {
        const response = await h.app.inject({
          method: 'POST',
          url: `/api/widget/${keys.open}/messages`,
          headers: { authorization: `Visitor ${auth}` },
          payload: { clientId, text: 'Where is my parcel?' },
        });
        const body = json<{ id?: number; duplicate?: boolean }>(response);
        return { status: response.statusCode, interactionId: body.id, duplicate: body.duplicate };
      };
      runAdapterContract(() => ({
        adapter: createChatAdapter(h.ctx),
        // The visitor token is the widget's signature.
        deliverContact: (id, signature) =>
          deliver(id, signature === 'valid' ? token : forge(token)),
        // Our own message coming back: the id we gave it, as if it were the visitor's.
        deliverEcho: async () => {
          const own = await h.ctx.store.db
            .selectFrom('interactions')
            .select('id')
            .where('direction', '=', 'outbound')
            .where('channel', '=', 'chat')
            .executeTakeFirstOrThrow();
          return deliver(`widget:${own.id}`, token);
        },
        storedWith: async (id) => (await stored(visitorId, id)).length,
        customerMessages: async () =>
          Number(
            (
              await h.ctx.store.db
                .selectFrom('interactions')
                .select((eb) => eb.fn.countAll<number>().as('n'))
                .where('direction', '=', 'inbound')
                .where('automated', '=', 0)
                .executeTakeFirstOrThrow()
            ).n,
          ),
        sendsWithoutProvider: { providerIdOf: (message) => `widget:${message.interactionId}` },
      }));
    });
  });
}

/** The token with one character of its signature changed (the last one too: only our spelling holds). */
function forge(token: string, at = token.length - 1): string {
  const c = token[at] === 'A' ? 'B' : 'A';
  return token.slice(0, at) + c + token.slice(at + 1);
}

async function waitFor<T>(probe: () => Promise<T | undefined | false>): Promise<T> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
