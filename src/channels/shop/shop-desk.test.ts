import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { testDatabases } from '../../../test/databases.ts';
import { json, startHarness, type Harness } from '../../../test/harness.ts';
import {
  insertAppointment,
  insertTicket,
  setUpFloor,
  type Floor,
} from '../../../test/shop-desk-fixture.ts';
import { createAdvisor } from '../../advisors/advisors.ts';
import { systemActor } from '../../platform/events/event.ts';
import { loadConfig } from '../../platform/config.ts';
import { buildServer, closeContext, createContext } from '../../server.ts';
import type { Context } from '../../platform/context.ts';
import type { DeskTicket, ShopFloorView, CounterCustomer } from '../../api-types/shop-desk.ts';

const databases = await testDatabases();
const minute = 60_000;

for (const db of databases) {
  describe(`the shop desk (${db.name})`, { skip: db.skip }, () => {
    let h: Harness;
    let floor: Floor;
    let cookie: string;
    let otherCookie: string;
    let otherShopCookie: string;
    let keyCounter = 0;
    const newKey = () => `tab-${db.name}-${++keyCounter}-abcdefghijklmnop`;

    before(async () => {
      h = await startHarness(await db.open());
      floor = await h.ctx.writer.run(async (unit) => {
        const f = await setUpFloor(unit.db, h.fixture.shopId, unit.now, 8);
        await unit.db
          .updateTable('advisors')
          .set({ skills: JSON.stringify(['repairs']) })
          .where('id', '=', h.fixture.people.shopAdvisor.id)
          .execute();
        await createAdvisor(
          unit,
          {
            name: 'Second Shop Advisor',
            email: 'second.shop@test.rapport',
            role: 'shop_advisor',
            teamId: h.fixture.teams.shopTeam,
            shopId: h.fixture.shopId,
            passwordHash: (await unit.db
              .selectFrom('advisors')
              .select('password_hash')
              .where('id', '=', h.fixture.people.shopAdvisor.id)
              .executeTakeFirstOrThrow())!.password_hash,
          },
          systemActor,
        );
        const elsewhere = await unit.db
          .insertInto('shops')
          .values({
            name: 'Nantes',
            city: 'Nantes',
            time_zone: 'Europe/Paris',
            address: '2 quai de la Fosse',
            team_id: null,
            created_at: unit.now,
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        await createAdvisor(
          unit,
          {
            name: 'Nantes Advisor',
            email: 'nantes.shop@test.rapport',
            role: 'shop_advisor',
            teamId: null,
            shopId: elsewhere.id,
            passwordHash: (await unit.db
              .selectFrom('advisors')
              .select('password_hash')
              .where('id', '=', h.fixture.people.shopAdvisor.id)
              .executeTakeFirstOrThrow())!.password_hash,
          },
          systemActor,
        );
        return f;
      });
      cookie = await h.signIn(h.fixture.people.shopAdvisor.email);
      otherCookie = await h.signIn('second.shop@test.rapport');
      otherShopCookie = await h.signIn('nantes.shop@test.rapport');
    });
    after(() => h?.close());

    const post = (app: FastifyInstance, who: string, url: string, payload: object) =>
      app.inject({ method: 'POST', url, headers: { cookie: who }, payload });
    const open = async (deskId: number, who = cookie, app = h.app) => {
      const sessionKey = newKey();
      // Each test sits down at its desks afresh: whatever tab held them before is taken over.
      const response = await post(app, who, `/api/shop-desk/desks/${deskId}/session`, {
        sessionKey,
        takeOver: true,
      });
      assert.equal(response.statusCode, 200, response.body);
      return sessionKey;
    };
    const next = async (deskId: number, sessionKey: string, who = cookie, app = h.app) => {
      const response = await post(app, who, `/api/shop-desk/desks/${deskId}/next`, { sessionKey });
      assert.equal(response.statusCode, 200, response.body);
      return json<{ called: DeskTicket | null }>(response).called;
    };
    const act = async (ticketId: number, action: string, body: object, who = cookie) => {
      const response = await post(h.app, who, `/api/shop-desk/tickets/${ticketId}/${action}`, body);
      assert.equal(response.statusCode, 200, `${action}: ${response.body}`);
      return json<DeskTicket>(response);
    };
    const clearQueue = async () => {
      await h.ctx.store.db
        .updateTable('shop_tickets')
        .set({ status: 'cancelled' })
        .where('status', 'in', ['waiting', 'called', 'serving'])
        .execute();
      await h.ctx.store.db
        .updateTable('shop_appointments')
        .set({ status: 'cancelled' })
        .where('status', 'in', ['booked', 'checked-in'])
        .execute();
    };

    test('call next → serve → finish: the wait ends at the call, the visit lands on the customer’s case and the desk’s time is held', async () => {
      const now = h.clock.now();
      const desk = floor.desks[0]!;
      const sessionKey = await open(desk);
      const older = await insertTicket(h.ctx.store.db, floor, {
        serviceId: floor.services.question,
        waitingSince: now - 12 * minute,
        phone: '+33612000301',
      });
      await insertTicket(h.ctx.store.db, floor, {
        serviceId: floor.services.repair,
        waitingSince: now - 4 * minute,
      });
      const called = await next(desk, sessionKey);
      assert.equal(called?.id, older.id, 'the longest wait first, whatever the service');
      assert.equal(called?.status, 'called');
      assert.equal(called?.waitedMinutes, 12);
      const calls = await h.ctx.store.db
        .selectFrom('shop_board_calls')
        .selectAll()
        .where('ticket_id', '=', older.id)
        .execute();
      assert.deepEqual(
        calls.map((c) => [c.code, c.desk_name]),
        [[older.code, 'Desk 1']],
      );

      // A second press while someone is at the desk is refused.
      const busy = await post(h.app, cookie, `/api/shop-desk/desks/${desk}/next`, { sessionKey });
      assert.equal(busy.statusCode, 409, busy.body);

      h.clock.advance(2 * minute);
      const recalled = await act(older.id, 'recall', { sessionKey });
      assert.equal(recalled.recalls, 1);
      assert.equal(
        recalled.firstCalledAt,
        called!.firstCalledAt,
        'the wait stopped at the first call',
      );
      assert.equal(recalled.waitedMinutes, 12);

      h.clock.advance(minute);
      const serving = await act(older.id, 'serve', { sessionKey, customer: { name: 'Inès Roux' } });
      assert.equal(serving.status, 'serving');
      assert.ok(serving.customerId && serving.conversationId);
      const visit = await h.ctx.store.db
        .selectFrom('interactions')
        .innerJoin('conversations', 'conversations.id', 'interactions.conversation_id')
        .select([
          'interactions.kind',
          'interactions.channel',
          'interactions.text',
          'conversations.shop_id',
          'conversations.owner_id',
          'conversations.origin_channel',
        ])
        .where('interactions.conversation_id', '=', serving.conversationId!)
        .executeTakeFirstOrThrow();
      assert.equal(visit.kind, 'shop_visit');
      assert.equal(visit.channel, 'shop');
      assert.equal(visit.shop_id, h.fixture.shopId);
      assert.equal(visit.owner_id, h.fixture.people.shopAdvisor.id);
      assert.match(visit.text, new RegExp(`Desk 1: General question \\(${older.code}\\)`));
      const reservation = await h.ctx.store.db
        .selectFrom('shop_reservations')
        .selectAll()
        .where('source_type', '=', 'ticket')
        .where('source_id', '=', older.id)
        .executeTakeFirstOrThrow();
      assert.equal(reservation.desk_id, desk);
      assert.equal(reservation.advisor_id, h.fixture.people.shopAdvisor.id);
      assert.equal(Number(reservation.ends_at) - Number(reservation.starts_at), 10 * minute);
      // Nothing for routing to hand out: the customer is at the counter with an advisor.
      const routed = await h.ctx.store.db
        .selectFrom('work_items')
        .select('id')
        .where('conversation_id', '=', serving.conversationId!)
        .execute();
      assert.equal(routed.length, 0);

      h.clock.advance(6 * minute);
      const served = await act(older.id, 'finish', { sessionKey });
      assert.equal(served.status, 'served');
      assert.ok(served.finishedAt);
      const ended = await h.ctx.store.db
        .selectFrom('shop_reservations')
        .select('ends_at')
        .where('id', '=', reservation.id)
        .executeTakeFirstOrThrow();
      assert.equal(Number(ended.ends_at), h.clock.now());
      const events = await h.ctx.store.db
        .selectFrom('events')
        .select('type')
        .where('entity_type', '=', 'shop_ticket')
        .where('entity_id', '=', older.id)
        .orderBy('id')
        .execute();
      assert.deepEqual(
        events.map((e) => e.type),
        ['shop.ticket-called', 'shop.ticket-called', 'shop.ticket-serving', 'shop.ticket-served'],
      );
      await clearQueue();
    });

    test('a visitor who does not come is a no-show; a transfer keeps their wait and a ticket sent to a desk is that desk’s', async () => {
      const now = h.clock.now();
      const [a, b] = [floor.desks[0]!, floor.desks[1]!];
      const keyA = await open(a);
      const keyB = await open(b, otherCookie);
      const gone = await insertTicket(h.ctx.store.db, floor, {
        serviceId: floor.services.question,
        waitingSince: now - 9 * minute,
      });
      const moving = await insertTicket(h.ctx.store.db, floor, {
        serviceId: floor.services.question,
        waitingSince: now - 7 * minute,
      });
      assert.equal((await next(a, keyA))?.id, gone.id);
      const noShow = await act(gone.id, 'no-show', { sessionKey: keyA });
      assert.equal(noShow.status, 'no-show');

      assert.equal((await next(a, keyA))?.id, moving.id);
      // The second advisor has no repair skill: transferred to repairs, the ticket is no longer theirs…
      const toRepairs = await act(moving.id, 'transfer', {
        sessionKey: keyA,
        serviceId: floor.services.repair,
      });
      assert.equal(toRepairs.status, 'waiting');
      assert.equal(toRepairs.waitingSince, new Date(now - 7 * minute).toISOString());
      assert.equal(await next(b, keyB, otherCookie), null);
      // …and sent to desk B, only desk B calls it, whoever sits there.
      const toDesk = await act(moving.id, 'transfer', { sessionKey: keyA, deskId: b });
      assert.equal(toDesk.deskId, b);
      const c = floor.desks[2]!;
      assert.equal(await next(c, await open(c)), null);
      const atB = await next(b, keyB, otherCookie);
      assert.equal(atB?.id, moving.id);
      assert.equal(atB?.waitedMinutes, 7, 'the wait began when the ticket was taken');
      await clearQueue();
    });

    test('an anonymous walk-in is still a customer’s story; transferred while served, the desk’s held time ends', async () => {
      await clearQueue();
      const desk = floor.desks[6]!;
      const sessionKey = await open(desk);
      const nobody = await insertTicket(h.ctx.store.db, floor, {
        serviceId: floor.services.repair,
        waitingSince: h.clock.now() - 2 * minute,
      });
      assert.equal((await next(desk, sessionKey))?.id, nobody.id);
      const serving = await act(nobody.id, 'serve', { sessionKey });
      assert.equal(serving.customerName, `Walk-in ${nobody.code}`);
      const identity = await h.ctx.store.db
        .selectFrom('identities')
        .select(['kind', 'network', 'value'])
        .where('customer_id', '=', serving.customerId!)
        .executeTakeFirstOrThrow();
      assert.deepEqual(identity, {
        kind: 'external',
        network: 'shop-ticket',
        value: String(nobody.id),
      });
      h.clock.advance(4 * minute);
      const moved = await act(nobody.id, 'transfer', {
        sessionKey,
        serviceId: floor.services.question,
      });
      assert.equal(moved.status, 'waiting');
      assert.equal(moved.servingAt, null);
      const held = await h.ctx.store.db
        .selectFrom('shop_reservations')
        .select(['starts_at', 'ends_at'])
        .where('source_id', '=', nobody.id)
        .executeTakeFirstOrThrow();
      assert.equal(Number(held.ends_at) - Number(held.starts_at), 4 * minute);
      // A ticket no longer at the desk is not this desk's to finish.
      const refused = await post(h.app, cookie, `/api/shop-desk/tickets/${nobody.id}/finish`, {
        sessionKey,
      });
      assert.equal(refused.statusCode, 409);
      await clearQueue();
    });

    test('a due appointment is called before walk-ins, with a ticket of its own, and goes checked-in → serving → served', async () => {
      const now = h.clock.now();
      const desk = floor.desks[3]!;
      const sessionKey = await open(desk);
      const walkIn = await insertTicket(h.ctx.store.db, floor, {
        serviceId: floor.services.repair,
        waitingSince: now - 10 * minute,
      });
      const booked = await h.ctx.writer.run((unit) =>
        insertAppointment(unit, floor, {
          serviceId: floor.services.repair,
          startsAt: now + 3 * minute,
          name: 'Hugo Blanc',
          email: 'hugo.blanc@example.com',
          checkedIn: true,
        }),
      );
      const floorView = json<ShopFloorView>(
        await h.app.inject({
          method: 'GET',
          url: `/api/shop-desk/shops/${h.fixture.shopId}?deskId=${desk}&sessionKey=${sessionKey}`,
          headers: { cookie },
        }),
      );
      assert.deepEqual(
        floorView.queue.map((q) => [q.kind, q.reason]),
        [
          ['appointment', 'due-appointment'],
          ['ticket', 'walk-in'],
        ],
      );
      assert.equal(floorView.session?.mine, true);
      const called = await next(desk, sessionKey);
      assert.equal(called?.appointmentId, booked.id);
      assert.equal(
        called?.code,
        `R-${floorView.appointments.find((a) => a.id === booked.id)!.localTime.replace(':', '')}`,
      );
      assert.equal(called?.customerId, booked.customerId);
      const serving = await act(called!.id, 'serve', { sessionKey });
      assert.equal(serving.customerId, booked.customerId);
      await act(called!.id, 'finish', { sessionKey });
      const appointment = await h.ctx.store.db
        .selectFrom('shop_appointments')
        .select(['status', 'conversation_id'])
        .where('id', '=', booked.id)
        .executeTakeFirstOrThrow();
      assert.equal(appointment.status, 'served');
      assert.equal(appointment.conversation_id, serving.conversationId);
      // The walk-in who waited past the ageing bound goes before a due appointment.
      await h.ctx.writer.run((unit) =>
        insertAppointment(unit, floor, {
          serviceId: floor.services.repair,
          startsAt: now + 25 * minute,
          name: 'Zoé Petit',
          email: 'zoe.petit@example.com',
          checkedIn: true,
        }),
      );
      h.clock.advance(24 * minute);
      assert.equal((await next(desk, sessionKey))?.id, walkIn.id);
      // Someone booked who never came is marked a no-show from the day's list once their time began.
      const absent = await h.ctx.writer.run((unit) =>
        insertAppointment(unit, floor, {
          serviceId: floor.services.repair,
          startsAt: h.clock.now() + 10 * minute,
          name: 'Léon Garnier',
          email: 'leon.garnier@example.com',
          checkedIn: false,
        }),
      );
      const tooEarly = await post(
        h.app,
        cookie,
        `/api/shop-desk/appointments/${absent.id}/no-show`,
        {},
      );
      assert.equal(tooEarly.statusCode, 422, tooEarly.body);
      h.clock.advance(15 * minute);
      const marked = await post(
        h.app,
        cookie,
        `/api/shop-desk/appointments/${absent.id}/no-show`,
        {},
      );
      assert.equal(marked.statusCode, 200, marked.body);
      assert.equal(json<{ status: string }>(marked).status, 'no-show');
      await clearQueue();
    });

    test('a desk open in one tab asks a second to take it over; the first then holds nothing', async () => {
      const desk = floor.desks[4]!;
      const first = await open(desk);
      const second = newKey();
      const refused = await post(h.app, cookie, `/api/shop-desk/desks/${desk}/session`, {
        sessionKey: second,
      });
      assert.equal(refused.statusCode, 409);
      assert.equal(
        json<{ type: string }>(refused).type,
        'https://rapport.dev/problems/desk-in-use',
      );
      assert.match(refused.body, /ShopAdvisor/);
      const taken = await post(h.app, otherCookie, `/api/shop-desk/desks/${desk}/session`, {
        sessionKey: second,
        takeOver: true,
      });
      assert.equal(taken.statusCode, 200, taken.body);
      assert.equal(json<{ tookOver: boolean }>(taken).tookOver, true);
      const lost = await post(h.app, cookie, `/api/shop-desk/desks/${desk}/next`, {
        sessionKey: first,
      });
      assert.equal(lost.statusCode, 409);
      assert.equal(json<{ type: string }>(lost).type, 'https://rapport.dev/problems/desk-not-held');
      const event = await h.ctx.store.db
        .selectFrom('events')
        .select('type')
        .where('entity_type', '=', 'shop_desk')
        .where('entity_id', '=', desk)
        .orderBy('id', 'desc')
        .executeTakeFirstOrThrow();
      assert.equal(event.type, 'shop.desk-taken-over');
      // The tab that holds it leaves (another desk chosen): free at once, no question asked.
      const left = await post(h.app, otherCookie, `/api/shop-desk/desks/${desk}/leave`, {
        sessionKey: second,
      });
      assert.deepEqual(json(left), { left: true });
      const free = newKey();
      const reopened = await post(h.app, cookie, `/api/shop-desk/desks/${desk}/session`, {
        sessionKey: free,
      });
      assert.equal(reopened.statusCode, 200, reopened.body);
      assert.equal(json<{ tookOver: boolean }>(reopened).tookOver, false);
      // A tab gone quiet for two minutes (closed) is taken without asking.
      h.clock.advance(3 * minute);
      const third = await post(h.app, cookie, `/api/shop-desk/desks/${desk}/session`, {
        sessionKey: newKey(),
      });
      assert.equal(third.statusCode, 200, third.body);
    });

    test('the served customer’s other open cases, from any team, are seen and settled at the counter', async () => {
      await clearQueue();
      const desk = floor.desks[5]!;
      const sessionKey = await open(desk);
      const email = await h.app.inject({
        method: 'POST',
        url: '/api/interactions/inbound',
        headers: { authorization: `Bearer ${h.fixture.gatewayToken}` },
        payload: {
          kind: 'email',
          from: { email: 'nora.vidal@example.com', name: 'Nora Vidal' },
          subject: 'Invoice twice',
          text: 'I was billed twice in November.',
          teamId: h.fixture.teams.care,
        },
      });
      assert.equal(email.statusCode, 201, email.body);
      const { conversationId, customerId } = json<{ conversationId: number; customerId: number }>(
        email,
      );
      const ticket = await insertTicket(h.ctx.store.db, floor, {
        serviceId: floor.services.question,
        waitingSince: h.clock.now() - minute,
        customerId,
      });
      assert.equal((await next(desk, sessionKey))?.id, ticket.id);
      // Before serving, the counter shows nobody's story.
      const early = await h.app.inject({
        method: 'GET',
        url: `/api/shop-desk/tickets/${ticket.id}/customer`,
        headers: { cookie },
      });
      assert.equal(early.statusCode, 409);
      const hidden = await h.app.inject({
        method: 'GET',
        url: `/api/conversations/${conversationId}`,
        headers: { cookie },
      });
      assert.equal(hidden.statusCode, 404, 'a Care case is not the shop advisor’s otherwise');
      const serving = await act(ticket.id, 'serve', { sessionKey });
      assert.equal(serving.conversationId, conversationId, 'the visit continues her active case');
      const counter = json<CounterCustomer>(
        await h.app.inject({
          method: 'GET',
          url: `/api/shop-desk/tickets/${ticket.id}/customer`,
          headers: { cookie },
        }),
      );
      assert.equal(counter.name, 'Nora Vidal');
      assert.deepEqual(
        counter.openCases.map((c) => c.id),
        [conversationId],
      );
      assert.deepEqual(
        counter.timeline.map((i) => i.kind),
        ['shop_visit', 'email'],
      );
      const settled = await post(h.app, cookie, `/api/shop-desk/tickets/${ticket.id}/settle`, {
        conversationId,
        reply: { kind: 'note', text: 'Refund explained at the counter.' },
        resolve: true,
      });
      assert.equal(settled.statusCode, 200, settled.body);
      const after = await h.ctx.store.db
        .selectFrom('conversations')
        .select('status')
        .where('id', '=', conversationId)
        .executeTakeFirstOrThrow();
      assert.equal(after.status, 'resolved');
      // Another customer's case is not settled through this counter.
      const stranger = await post(h.app, cookie, `/api/shop-desk/tickets/${ticket.id}/settle`, {
        conversationId: conversationId + 1000,
        resolve: true,
      });
      assert.equal(stranger.statusCode, 422);
      // Another shop's advisor sees neither the ticket nor the floor.
      const foreign = await h.app.inject({
        method: 'GET',
        url: `/api/shop-desk/tickets/${ticket.id}/customer`,
        headers: { cookie: otherShopCookie },
      });
      assert.equal(foreign.statusCode, 404);
      const foreignFloor = await h.app.inject({
        method: 'GET',
        url: `/api/shop-desk/shops/${h.fixture.shopId}`,
        headers: { cookie: otherShopCookie },
      });
      assert.equal(foreignFloor.statusCode, 404);
      await act(ticket.id, 'finish', { sessionKey });
    });

    test('desks pressing "next" at once, on two nodes, never get the same ticket', async () => {
      // A second server on the same database, as a second node (on SQLite, the same process).
      await clearQueue();
      let ctxB: Context | undefined;
      let appB: FastifyInstance = h.app;
      const reopened = db.reopen(h.ctx.store);
      if (reopened) {
        ctxB = await createContext(
          loadConfig(
            { RAPPORT_PHONE_REGION: 'FR', LOG_LEVEL: 'warn' },
            { dataDir: '/nonexistent' },
          ),
          { store: reopened, clock: h.clock, quiet: true },
        );
        appB = await buildServer(ctxB);
      }
      try {
        const now = h.clock.now();
        const waiting = [];
        for (let i = 0; i < 5; i++)
          waiting.push(
            await insertTicket(h.ctx.store.db, floor, {
              serviceId: floor.services.question,
              waitingSince: now - (10 - i) * minute,
            }),
          );
        // Eight desks, half through each node, all pressing at once for five tickets.
        const desks = floor.desks.slice(0, 8);
        await h.ctx.store.db.deleteFrom('shop_desk_sessions').execute();
        const keys: string[] = [];
        for (const [i, desk] of desks.entries())
          keys.push(await open(desk, i % 2 ? otherCookie : cookie, i % 4 < 2 ? h.app : appB));
        const results = await Promise.all(
          desks.map((desk, i) =>
            next(desk, keys[i]!, i % 2 ? otherCookie : cookie, i % 4 < 2 ? h.app : appB),
          ),
        );
        const called = results.flatMap((r) => (r ? [r.id] : []));
        assert.equal(called.length, 5, `called: ${JSON.stringify(called)}`);
        assert.equal(new Set(called).size, 5, 'no ticket called twice');
        assert.deepEqual([...called].sort(), waiting.map((w) => w.id).sort());
        const rows = await h.ctx.store.db
          .selectFrom('shop_tickets')
          .select(['id', 'desk_id'])
          .where('id', 'in', called)
          .execute();
        assert.equal(new Set(rows.map((r) => r.desk_id)).size, 5, 'one desk each');
        const boardCalls = await h.ctx.store.db
          .selectFrom('shop_board_calls')
          .select('ticket_id')
          .where('ticket_id', 'in', called)
          .execute();
        assert.equal(boardCalls.length, 5, 'each called once on the board');

        // Again with an appointment due among two walk-ins: it gets one ticket, at one desk.
        await clearQueue();
        const booked = await h.ctx.writer.run((unit) =>
          insertAppointment(unit, floor, {
            serviceId: floor.services.question,
            startsAt: h.clock.now(),
            name: 'Race Winner',
            email: 'race.winner@example.com',
            checkedIn: true,
          }),
        );
        for (let i = 0; i < 2; i++)
          await insertTicket(h.ctx.store.db, floor, {
            serviceId: floor.services.question,
            waitingSince: h.clock.now() - (5 - i) * minute,
          });
        const again = await Promise.all(
          desks.map((desk, i) =>
            next(desk, keys[i]!, i % 2 ? otherCookie : cookie, i % 4 < 2 ? h.app : appB),
          ),
        );
        const second = again.flatMap((r) => (r ? [r] : []));
        assert.equal(second.length, 3, JSON.stringify(second.map((t) => t.code)));
        assert.equal(new Set(second.map((t) => t.id)).size, 3);
        assert.equal(second.filter((t) => t.appointmentId === booked.id).length, 1);
        const appointmentTickets = await h.ctx.store.db
          .selectFrom('shop_tickets')
          .select('id')
          .where('appointment_id', '=', booked.id)
          .execute();
        assert.equal(appointmentTickets.length, 1, 'one ticket for the appointment');
      } finally {
        if (ctxB) {
          await appB.close();
          await closeContext(ctxB);
        }
      }
    });
  });
}
