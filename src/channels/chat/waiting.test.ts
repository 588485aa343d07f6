import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { testDatabases } from '../../../test/databases.ts';
import { json, startHarness, type Harness } from '../../../test/harness.ts';
import { dispatchWork } from '../../routing/dispatch-round.ts';
import { setCapacity, setPresence } from '../../routing/presence.ts';
import type { ServerFrame } from '../../api-types/chat.ts';
import { chatWaitingAll, startWaitingUpdates, waitingFor, waitingOf } from './waiting.ts';

test('a wait beyond longWaitMs, or one nobody can estimate, offers email and a callback', () => {
  assert.deepEqual(waitingOf({ position: 2, estimatedWaitMs: 30_000 }, 60_000), {
    position: 2,
    estimatedWaitMs: 30_000,
    offerCallback: false,
    offerEmail: false,
  });
  assert.equal(waitingOf({ position: 2, estimatedWaitMs: 90_000 }, 60_000).offerEmail, true);
  assert.equal(waitingOf({ position: 1, estimatedWaitMs: null }, 60_000).offerCallback, true);
});

for (const database of await testDatabases()) {
  describe(`waiting chats on ${database.name}`, { skip: database.skip }, () => {
    let h: Harness;
    let serial = 0;
    before(async () => {
      h = await startHarness(await database.open());
    });
    after(async () => h.close());

    async function chatIn(): Promise<number> {
      const response = await h.app.inject({
        method: 'POST',
        url: '/api/interactions/inbound',
        headers: { authorization: `Bearer ${h.fixture.gatewayToken}` },
        payload: {
          kind: 'chat_message',
          from: { email: `waiting${++serial}@chat.test` },
          text: 'Hello?',
          teamId: h.fixture.teams.care,
          accountId: h.fixture.accounts.chat,
        },
      });
      assert.equal(response.statusCode, 201, response.body);
      h.clock.advance(1000);
      return json<{ conversationId: number }>(response).conversationId;
    }

    test('with nobody on shift each chat has its place and no estimate, and is offered a way out', async () => {
      const [a, b, c] = [await chatIn(), await chatIn(), await chatIn()];
      const all = await chatWaitingAll(h.ctx.store.db, h.clock.now());
      assert.deepEqual(
        [a, b, c].map((id) => all.get(id)),
        [1, 2, 3].map((position) => ({
          position,
          estimatedWaitMs: null,
          offerCallback: true,
          offerEmail: true,
        })),
      );
      assert.deepEqual(await waitingFor(h.ctx)(b), all.get(b));
    });

    test('the estimate is routing’s for each place; the account’s longWaitMs decides the offers; an offered chat is next', async () => {
      const { advisor } = h.fixture.people;
      await h.ctx.writer.run(async (unit) => {
        await setCapacity(unit, advisor.id, { chat: 1 }, { type: 'advisor', id: advisor.id });
        await setPresence(unit, advisor.id, 'available', { type: 'advisor', id: advisor.id });
      });
      await h.ctx.store.db
        .updateTable('channel_accounts')
        .set({ settings: JSON.stringify({ longWaitMs: 450_000 }) })
        .where('id', '=', h.fixture.accounts.chat)
        .execute();
      const round = await h.ctx.writer.run((unit) => dispatchWork(unit, h.ctx.store.dialect));
      assert.equal(round.offers.length, 1, 'one chat slot: one offer');
      const all = await chatWaitingAll(h.ctx.store.db, h.clock.now());
      const shown = [...all.values()].sort(
        (x, y) => x.position - y.position || (x.estimatedWaitMs ?? 0) - (y.estimatedWaitMs ?? 0),
      );
      // One slot, busy; no handle times yet, so routing's 5-minute fallback: 1 × 300 s, then 2 × 300 s.
      assert.deepEqual(shown, [
        { position: 1, estimatedWaitMs: 0, offerCallback: false, offerEmail: false },
        { position: 1, estimatedWaitMs: 300_000, offerCallback: false, offerEmail: false },
        { position: 2, estimatedWaitMs: 600_000, offerCallback: true, offerEmail: true },
      ]);
    });

    test('a change in the queue pushes the new places to the visitors whose view changed', async () => {
      const frames: Array<{ conversationId: number; frame: ServerFrame }> = [];
      let heard: () => void = () => undefined;
      const stop = startWaitingUpdates(
        h.ctx,
        {
          push(conversationId, frame) {
            frames.push({ conversationId, frame });
            heard();
          },
        },
        // Every event runs at once here, so the repeat below is really looked at.
        { minIntervalMs: 0 },
      );
      try {
        const first = new Promise<void>((resolve) => (heard = resolve));
        const newest = await chatIn();
        await first;
        await new Promise<void>((resolve) => setImmediate(resolve));
        const mine = frames.filter((f) => f.conversationId === newest);
        assert.deepEqual(mine[0]?.frame, {
          type: 'waiting',
          position: 3,
          estimatedWaitMs: 900_000,
          offerCallback: true,
          offerEmail: true,
        });
        const count = frames.length;
        // Nothing moved for the others' views when nothing changed: a repeat pushes nothing new.
        const again = new Promise<void>((resolve) => setTimeout(resolve, 50));
        await h.ctx.bus.publish([
          {
            id: 0,
            type: 'work-item.noticed',
            actor: { type: 'system', id: null },
            entity: { type: 'work_item', id: 0 },
            scope: {},
            before: null,
            after: null,
            at: h.clock.now(),
          },
        ]);
        await again;
        assert.equal(frames.length, count);
      } finally {
        stop();
      }
    });
  });
}
