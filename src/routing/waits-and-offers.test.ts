import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { testDatabases } from '../../test/databases.ts';
import { json, password, startHarness, type Harness } from '../../test/harness.ts';
import { createAdvisor, hashPassword } from '../advisors/advisors.ts';
import { systemActor } from '../platform/events/event.ts';
import type { WorkItemRow } from '../platform/db/schema.ts';
import type { Wall } from '../api-types/insights.ts';
import type { WaitingCase } from '../api-types/conversations.ts';
import type { ChannelCounts, Presence } from './types.ts';
import { dispatchWork } from './dispatch-round.ts';
import { setCapacity, setPresence } from './presence.ts';
import { explainWaits } from './wait-reasons.ts';

const SECOND = 1000;
const MINUTE = 60 * SECOND;

for (const database of await testDatabases()) {
  describe(
    `what waits for us, offers and why work waits on ${database.name}`,
    { skip: database.skip },
    () => {
      let h: Harness;
      let passwordHash: string;
      let serial = 0;

      before(async () => {
        // Replies leave through the test gateway: a case is answered once its reply was sent.
        h = await startHarness(await database.open(), { gateway: true });
        passwordHash = await hashPassword(password);
      });
      after(async () => h.close());

      const dispatch = () => h.ctx.writer.run((unit) => dispatchWork(unit, h.ctx.store.dialect));

      async function newTeam(): Promise<number> {
        return h.ctx.writer.run(
          async (unit) =>
            (
              await unit.db
                .insertInto('teams')
                .values({ name: `Waits ${++serial}`, kind: 'contact_centre', created_at: unit.now })
                .returning('id')
                .executeTakeFirstOrThrow()
            ).id,
        );
      }

      async function newAdvisor(
        teamId: number,
        capacity: Partial<ChannelCounts> = {},
        presence: Presence = 'available',
      ) {
        const n = ++serial;
        const advisor = await h.ctx.writer.run((unit) =>
          createAdvisor(
            unit,
            {
              name: `Waiter ${n}`,
              email: `waiter${n}@waits.test`,
              role: 'advisor',
              teamId,
              shopId: null,
              passwordHash,
            },
            systemActor,
          ),
        );
        if (Object.keys(capacity).length > 0)
          await h.ctx.writer.run((unit) => setCapacity(unit, advisor.id, capacity, systemActor));
        await h.ctx.writer.run((unit) =>
          setPresence(unit, advisor.id, presence, { type: 'advisor', id: advisor.id }),
        );
        h.clock.advance(SECOND);
        const cookie = await h.signIn(advisor.email);
        const as = (method: 'GET' | 'POST' | 'PATCH', url: string, payload?: object) =>
          h.app.inject({ method, url, headers: { cookie }, ...(payload ? { payload } : {}) });
        return { id: advisor.id, name: advisor.name, as };
      }

      async function inbound(teamId: number, kind: 'chat_message' | 'call' | 'email') {
        const response = await h.app.inject({
          method: 'POST',
          url: '/api/interactions/inbound',
          headers: { authorization: `Bearer ${h.fixture.gatewayToken}` },
          payload: {
            kind,
            from: { email: `waits${++serial}@example.com`, name: `Customer ${serial}` },
            text: 'Hello?',
            teamId,
          },
        });
        assert.ok([200, 201].includes(response.statusCode), response.body);
        return json<{ conversationId: number }>(response).conversationId;
      }

      async function liveItem(conversationId: number): Promise<WorkItemRow | undefined> {
        return h.ctx.store.db
          .selectFrom('work_items')
          .selectAll()
          .where('conversation_id', '=', conversationId)
          .where('status', 'in', ['waiting', 'offered', 'assigned'])
          .executeTakeFirst();
      }

      async function supervisor() {
        const cookie = await h.signIn(h.fixture.people.supervisor.email);
        return (url: string) => h.app.inject({ method: 'GET', url, headers: { cookie } });
      }

      async function waitingList(teamId: number): Promise<number[]> {
        const get = await supervisor();
        const response = await get(`/api/desk/work?view=waiting&teamId=${teamId}`);
        assert.equal(response.statusCode, 200, response.body);
        return json<{ items: WaitingCase[] }>(response).items.map((i) => i.conversationId);
      }

      /** Answers the case by email and waits until the gateway sent it (only a sent reply answers). */
      async function answer(
        advisor: Awaited<ReturnType<typeof newAdvisor>>,
        conversationId: number,
      ): Promise<void> {
        const reply = await advisor.as(
          'POST',
          `/api/conversations/${conversationId}/interactions`,
          {
            kind: 'email',
            text: 'Here is your answer.',
          },
        );
        assert.equal(reply.statusCode, 201, reply.body);
        const id = json<{ id: number }>(reply).id;
        for (let i = 0; ; i++) {
          const row = await h.ctx.store.db
            .selectFrom('interactions')
            .select('delivery_state')
            .where('id', '=', id)
            .executeTakeFirstOrThrow();
          if (row.delivery_state === 'sent') return;
          if (i > 1000) throw new Error('the reply was never sent');
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
      }

      test('an advisor available with one email in hand is offered a call (written work does not block live work)', async () => {
        const team = await newTeam();
        const anna = await newAdvisor(team, { voice: 1, chat: 3, email: 5 });
        const email = await inbound(team, 'email');
        await dispatch();
        const emailItem = (await liveItem(email))!;
        assert.equal(emailItem.advisor_id, anna.id);
        const accepted = await anna.as('POST', `/api/routing/work-items/${emailItem.id}/accept`);
        assert.equal(accepted.statusCode, 200, accepted.body);

        const call = await inbound(team, 'call');
        await dispatch();
        const callItem = (await liveItem(call))!;
        assert.equal(callItem.status, 'offered', 'the call is not held back by the email');
        assert.equal(callItem.advisor_id, anna.id);
      });

      test('a declined offer is not offered to the same advisor again before its cool-off; the wall shows the decline', async () => {
        const team = await newTeam();
        const solo = await newAdvisor(team, { voice: 0, chat: 3, email: 0 });
        const chat = await inbound(team, 'chat_message');
        await dispatch();
        const offered = (await liveItem(chat))!;
        assert.equal(offered.advisor_id, solo.id);
        const declined = await solo.as('POST', `/api/routing/work-items/${offered.id}/decline`);
        assert.equal(declined.statusCode, 200, declined.body);

        h.clock.advance(2 * SECOND);
        await dispatch();
        assert.equal((await liveItem(chat))!.status, 'waiting', 'not offered straight back');
        const explained = await explainWaits(h.ctx.store.read, h.clock.now(), { teamId: team });
        const why = explained.items.find((e) => e.row.id === offered.id)!.why;
        assert.equal(why.code, 'declined');
        assert.equal(why.advisorName, solo.name);
        // The centre's cool-off (RAPPORT_DECLINE_COOL_OFF_MINUTES, ten minutes unless set).
        assert.equal(h.ctx.config.declineCoolOffMs, 10 * MINUTE);
        assert.equal(
          Date.parse(why.until!),
          h.clock.now() - 2 * SECOND + h.ctx.config.declineCoolOffMs,
        );

        const get = await supervisor();
        const wall = json<Wall>(await get('/api/insights/wall'));
        assert.ok(
          wall.declines!.some((d) => d.workItemId === offered.id && d.advisorName === solo.name),
          'the wall lists the decline',
        );
        assert.equal(
          wall.waitingWork!.find((w) => w.workItemId === offered.id)?.why.code,
          'declined',
        );

        // A colleague who comes on shift is offered it; or, alone, the advisor again after the cool-off.
        h.clock.advance(10 * MINUTE);
        await dispatch();
        const again = (await liveItem(chat))!;
        assert.equal(again.status, 'offered');
        assert.equal(again.advisor_id, solo.id);
      });

      test('taking a case settles its queued call: it is assigned to the taker and offered to nobody else', async () => {
        const team = await newTeam();
        const taker = await newAdvisor(team, { voice: 1 }, 'break');
        const call = await inbound(team, 'call');
        const other = await newAdvisor(team, { voice: 1 });
        const taken = await taker.as('PATCH', `/api/conversations/${call}`, { ownerId: taker.id });
        assert.equal(taken.statusCode, 200, taken.body);
        const item = (await liveItem(call))!;
        assert.equal(item.status, 'assigned');
        assert.equal(item.advisor_id, taker.id);
        await dispatch();
        const after = (await liveItem(call))!;
        assert.equal(after.advisor_id, taker.id, `not offered to ${other.name}`);
      });

      test('a case set to Pending us by hand waits in the list, the queue and the wall', async () => {
        const team = await newTeam();
        const advisor = await newAdvisor(team, { email: 5 }, 'break');
        const email = await inbound(team, 'email');
        await answer(advisor, email);
        assert.deepEqual(await waitingList(team), [], 'answered: nobody waits');

        const marked = await advisor.as('PATCH', `/api/conversations/${email}`, {
          status: 'pending_us',
        });
        assert.equal(marked.statusCode, 200, marked.body);
        assert.deepEqual(await waitingList(team), [email], 'in the waiting list');
        assert.equal((await liveItem(email))?.status, 'waiting', 'queued for routing');
        const get = await supervisor();
        const wall = json<Wall>(await get('/api/insights/wall'));
        assert.ok(wall.waitingWork!.some((w) => w.conversationId === email));
      });

      test('a snoozed case that wakes is back in the waiting list as well as in the queue', async () => {
        const team = await newTeam();
        const advisor = await newAdvisor(team, { email: 5 }, 'break');
        const email = await inbound(team, 'email');
        await answer(advisor, email);
        // Reopened by hand, then put aside for an hour.
        await advisor.as('PATCH', `/api/conversations/${email}`, { status: 'open' });
        const until = new Date(h.clock.now() + 3_600_000).toISOString();
        const snoozed = await advisor.as('PATCH', `/api/conversations/${email}`, {
          snoozedUntil: until,
        });
        assert.equal(snoozed.statusCode, 200, snoozed.body);
        assert.deepEqual(await waitingList(team), []);

        h.clock.advance(3_600_000 + SECOND);
        await dispatch();
        assert.equal((await liveItem(email))?.status, 'waiting', 'the queue has it');
        assert.deepEqual(await waitingList(team), [email], 'and so does the waiting list');
      });

      test('why work waits: held for the customer’s own advisor until a time, nobody on shift, everyone at capacity', async () => {
        const team = await newTeam();
        const empty = await newTeam();
        const busy = await newAdvisor(team, { voice: 1, chat: 0, email: 0 });
        const first = await inbound(team, 'call');
        await dispatch();
        assert.equal((await liveItem(first))!.advisor_id, busy.id);
        const second = await inbound(team, 'call');
        const nobody = await inbound(empty, 'email');
        // A returning customer whose own advisor is busy: held for them within the affinity window.
        const held = await inbound(team, 'chat_message');
        await h.ctx.writer.run(async (unit) => {
          await unit.db
            .updateTable('work_items')
            .set({ preferred_advisor_id: busy.id, affinity_until: unit.now + 40 * SECOND })
            .where('conversation_id', '=', held)
            .execute();
        });
        const reasons = async (teamId: number) =>
          new Map(
            (await explainWaits(h.ctx.store.read, h.clock.now(), { teamId })).items.map((e) => [
              e.row.conversation_id,
              e.why,
            ]),
          );
        const inTeam = await reasons(team);
        assert.equal(inTeam.get(second)?.code, 'at_capacity');
        assert.equal(inTeam.get(held)?.code, 'nobody_on_shift', 'nobody takes chats in this team');
        assert.equal((await reasons(empty)).get(nobody)?.code, 'nobody_on_shift');

        await h.ctx.writer.run((unit) =>
          setCapacity(unit, busy.id, { voice: 1, chat: 1, email: 0 }, systemActor),
        );
        const withChat = await reasons(team);
        assert.equal(withChat.get(held)?.code, 'held_for_advisor');
        assert.equal(withChat.get(held)?.advisorName, busy.name);
        assert.equal(Date.parse(withChat.get(held)!.until!), h.clock.now() + 40 * SECOND);

        const get = await supervisor();
        const queues = json<{ channels: Array<{ channel: string; why: { code: string } | null }> }>(
          await get('/api/routing/queues'),
        );
        assert.ok(queues.channels.every((c) => c.why === null || typeof c.why.code === 'string'));
      });
    },
  );
}
