import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import WebSocket from 'ws';
import { testDatabases, testNats } from './databases.ts';
import { json, startHarness, type Harness } from './harness.ts';
import { Tab } from './chat-tab.ts';
import { natsBus, type EventBus } from '../src/platform/events/bus.ts';
import { loadConfig } from '../src/platform/config.ts';
import type { Context } from '../src/platform/context.ts';
import { buildServer, closeContext, createContext } from '../src/server.ts';
import { createChannelAccount } from '../src/channels/channel-accounts.ts';
import { createSecretBox } from '../src/platform/secrets.ts';
import { systemActor } from '../src/platform/events/event.ts';
import type { VisitorSession } from '../src/api-types/chat.ts';

const databases = await testDatabases();
const nats = await testNats();
const secretKey = 'a-secret-key-for-chat-tests-0123456789';
const key = 'two-node-site';

/**
 * Two servers on one PostgreSQL with NATS between them, as a deployment runs them: a visitor's tabs
 * may be connected to either, the advisor may answer on either, and the chat behaves as on one.
 */
for (const db of databases.filter((d) => d.name === 'postgres')) {
  describe('the website chat across two nodes', { skip: db.skip || nats.skip }, () => {
    const prefix = `rapport-chat-test-${process.pid}-${Date.now()}`;
    let a: Harness;
    let ctxB: Context;
    let appB: FastifyInstance;
    let busB: EventBus;
    const ports = { a: 0, b: 0 };
    let advisor: string;
    const tabs: Tab[] = [];

    before(async () => {
      const store = await db.open();
      a = await startHarness(store, {
        bus: await natsBus(nats.url, prefix),
        config: { secretKey, publicRateLimitPerMinute: 0 },
      });
      await a.ctx.writer.run((unit) =>
        createChannelAccount(
          unit,
          createSecretBox(secretKey),
          {
            channel: 'chat',
            provider: 'widget',
            displayName: 'Two nodes',
            address: key,
            teamId: a.fixture.teams.care,
          },
          systemActor,
        ),
      );
      busB = await natsBus(nats.url, prefix);
      ctxB = await createContext(
        loadConfig(
          { RAPPORT_PHONE_REGION: 'FR', LOG_LEVEL: 'warn' },
          { dataDir: '/nonexistent', secretKey, publicRateLimitPerMinute: 0 },
        ),
        { store: db.reopen(store)!, bus: busB, clock: a.clock, quiet: true },
      );
      appB = await buildServer(ctxB);
      await a.app.listen({ port: 0, host: '127.0.0.1' });
      await appB.listen({ port: 0, host: '127.0.0.1' });
      ports.a = (a.app.server.address() as AddressInfo).port;
      ports.b = (appB.server.address() as AddressInfo).port;
      advisor = await a.signIn(a.fixture.people.advisor.email);
    });
    after(async () => {
      for (const tab of tabs) tab.socket.terminate();
      await appB?.close();
      if (ctxB) await closeContext(ctxB);
      await a?.close();
    });

    const connect = async (node: 'a' | 'b', token: string, afterId: number | null = null) => {
      const socket = new WebSocket(`ws://127.0.0.1:${ports[node]}/api/widget/${key}/socket`);
      const tab = new Tab(socket);
      tabs.push(tab);
      await once(socket, 'open');
      tab.send({ type: 'hello', token, after: afterId });
      await tab.next('welcome');
      return tab;
    };
    const http = (node: 'a' | 'b') => (node === 'a' ? a.app : appB);
    const visitor = async () =>
      json<VisitorSession>(
        await a.app.inject({ method: 'POST', url: `/api/widget/${key}/visitors`, payload: {} }),
      );

    test('tabs on two nodes open one case together, hear each other, the advisor on either, and agree on unread', async () => {
      const session = await visitor();
      const onA = await connect('a', session.token);
      const onB = await connect('b', session.token);
      // Three first sends at once, through both nodes: one case (the customer's lock is in the database).
      onA.send({ type: 'message', clientId: 'n-1', text: 'From a tab on node A' });
      onB.send({ type: 'message', clientId: 'n-2', text: 'From a tab on node B' });
      const fallback = await http('b').inject({
        method: 'POST',
        url: `/api/widget/${key}/messages`,
        headers: { authorization: `Visitor ${session.token}` },
        payload: { clientId: 'n-3', text: 'From the fallback on node B' },
      });
      assert.equal(fallback.statusCode, 201, fallback.body);
      const acks = [
        await onA.next('ack'),
        await onB.next('ack'),
        json<{ id: number; conversationId: number }>(fallback),
      ];
      assert.equal(new Set(acks.map((x) => x.conversationId)).size, 1, 'two cases were opened');
      const conversationId = acks[0]!.conversationId;
      // Each tab hears the others' messages, whichever node took them.
      await onA.next('message', (f) => f.message.clientId === 'n-2');
      await onA.next('message', (f) => f.message.clientId === 'n-3');
      await onB.next('message', (f) => f.message.clientId === 'n-1');

      // The advisor answers through node B; the tab on node A has it too.
      const replies = [];
      for (const [node, text] of [
        ['b', 'Answered on node B'],
        ['a', 'Answered on node A'],
      ] as const) {
        const response = await http(node).inject({
          method: 'POST',
          url: `/api/conversations/${conversationId}/interactions`,
          headers: { cookie: advisor },
          payload: { kind: 'chat_message', text },
        });
        assert.equal(response.statusCode, 201, response.body);
        replies.push(json<{ id: number }>(response).id);
      }
      for (const tab of [onA, onB])
        for (const id of replies) await tab.next('message', (f) => f.message.id === id);

      onA.send({ type: 'read', upTo: replies[0]! });
      const seen = await onB.next('seen');
      assert.deepEqual(seen, { type: 'seen', upTo: replies[0], unread: 1 });
    });
  });
}
