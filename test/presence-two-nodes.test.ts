import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import WebSocket from 'ws';
import { testDatabases, testNats } from './databases.ts';
import { json, startHarness, type Harness } from './harness.ts';
import { natsBus, type EventBus } from '../src/platform/events/bus.ts';
import { loadConfig } from '../src/platform/config.ts';
import type { Context } from '../src/platform/context.ts';
import { buildServer, closeContext, createContext } from '../src/server.ts';
import type { CasePresence, CasePresenceChange } from '../src/api-types/collision.ts';

const databases = await testDatabases();
const nats = await testNats();

interface Frame {
  readonly type: string;
  readonly after?: unknown;
}

/**
 * Two advisors on one case through two nodes (one PostgreSQL, NATS between them): each hears the
 * other arrive, type and leave, and a node asked who is on the case answers from the database.
 */
for (const db of databases.filter((d) => d.name === 'postgres')) {
  describe('who is on a case, across two nodes', { skip: db.skip || nats.skip }, () => {
    const prefix = `rapport-presence-test-${process.pid}-${Date.now()}`;
    let a: Harness;
    let ctxB: Context;
    let appB: FastifyInstance;
    let busB: EventBus;
    let socket: WebSocket | undefined;

    before(async () => {
      const store = await db.open();
      a = await startHarness(store, { bus: await natsBus(nats.url, prefix) });
      busB = await natsBus(nats.url, prefix);
      ctxB = await createContext(
        loadConfig({ RAPPORT_PHONE_REGION: 'FR', LOG_LEVEL: 'warn' }, { dataDir: '/nonexistent' }),
        { store: db.reopen(store)!, bus: busB, clock: a.clock, quiet: true },
      );
      appB = await buildServer(ctxB);
      await appB.listen({ port: 0, host: '127.0.0.1' });
    });
    after(async () => {
      socket?.terminate();
      await appB?.close();
      if (ctxB) await closeContext(ctxB);
      await a?.close();
    });

    test('an advisor on node A is seen live by a colleague whose desk is on node B', async () => {
      const inbound = await a.app.inject({
        method: 'POST',
        url: '/api/interactions/inbound',
        headers: { authorization: `Bearer ${a.fixture.gatewayToken}` },
        payload: {
          kind: 'email',
          from: { email: 'nils@example.com' },
          text: 'Two nodes, one case',
          teamId: a.fixture.teams.care,
        },
      });
      const { conversationId } = json<{ conversationId: number }>(inbound);
      const advisor = await a.signIn(a.fixture.people.advisor.email);
      const supervisor = await a.signIn(a.fixture.people.supervisor.email);

      // The supervisor's desk listens on node B.
      const port = (appB.server.address() as AddressInfo).port;
      socket = new WebSocket(`ws://127.0.0.1:${port}/api/live`, {
        headers: { cookie: supervisor },
      });
      const changes: CasePresenceChange[] = [];
      const waiting: Array<() => void> = [];
      socket.on('message', (data) => {
        const frame = JSON.parse(String(data)) as Frame;
        if (frame.type === 'hello' || frame.type === 'case.presence') {
          if (frame.type === 'case.presence') changes.push(frame.after as CasePresenceChange);
          waiting.splice(0).forEach((wake) => wake());
        }
      });
      const heard = async (match: (c: CasePresenceChange) => boolean) => {
        while (!changes.some(match)) await new Promise<void>((wake) => waiting.push(wake));
      };
      await new Promise<void>((wake) => waiting.push(wake));

      const say = (typing: boolean) =>
        a.app.inject({
          method: 'PUT',
          url: `/api/conversations/${conversationId}/presence`,
          headers: { cookie: advisor },
          payload: { typing },
        });
      assert.equal((await say(true)).statusCode, 200);
      await heard((c) => c.name === 'Advisor' && c.present && c.typing);
      // Node B reads who is on the case from the database the nodes share.
      const onB = await appB.inject({
        method: 'GET',
        url: `/api/conversations/${conversationId}/presence`,
        headers: { cookie: supervisor },
      });
      assert.deepEqual(
        json<{ items: CasePresence[] }>(onB).items.map((p) => [p.name, p.typing]),
        [['Advisor', true]],
      );
      const left = await a.app.inject({
        method: 'DELETE',
        url: `/api/conversations/${conversationId}/presence`,
        headers: { cookie: advisor },
      });
      assert.equal(left.statusCode, 204);
      await heard((c) => c.name === 'Advisor' && !c.present);
    });
  });
}
