import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { loadConfig } from '../../platform/config.ts';
import type { Context } from '../../platform/context.ts';
import { buildServer, closeContext, createContext } from '../../server.ts';
import { testDatabases } from '../../../test/databases.ts';
import { json, startHarness, type Harness } from '../../../test/harness.ts';
import { createAdvisor } from '../../advisors/advisors.ts';
import { systemActor } from '../../platform/events/event.ts';
import { sendJobType, sendKeyOf } from '../send-queue.ts';
import type { Repair, RepairStatus, RepairStatusView } from '../../api-types/repairs.ts';
import {
  moveRefusal,
  nextStatuses,
  possibleMoves,
  repairStatuses,
  sniffImage,
  transitionNotices,
  type Transition,
} from './repairs.ts';

const databases = await testDatabases();

// The smallest PNG there is: one transparent pixel.
const png = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=',
  'base64',
);
const hour = 3_600_000;

describe('the repair status flow (pure)', () => {
  test('every allowed move maps to a message or to none, and nothing moves back into a draft', () => {
    for (const [transition, notice] of Object.entries(transitionNotices)) {
      const [from, to] = transition.split('->') as [RepairStatus, RepairStatus];
      assert.ok(repairStatuses.includes(from) && repairStatuses.includes(to), transition);
      assert.notEqual(to, 'draft', `${transition} goes back to a draft`);
      assert.ok(notice === null || typeof notice === 'string', transition);
    }
    // Every status but the last has somewhere to go; collected is the end.
    for (const status of repairStatuses.filter((s) => s !== 'collected'))
      assert.ok(nextStatuses(status).length > 0, `${status} is a dead end`);
    assert.deepEqual(nextStatuses('collected'), []);
    assert.deepEqual(nextStatuses('draft'), ['received']);
    assert.deepEqual(nextStatuses('received'), ['diagnosing']);
  });

  test('the usual path is received → diagnosing → waiting-for-parts → repaired → ready-for-pickup → collected', () => {
    const path: RepairStatus[] = [
      'draft',
      'received',
      'diagnosing',
      'waiting-for-parts',
      'repaired',
      'ready-for-pickup',
      'collected',
    ];
    for (let i = 1; i < path.length; i++)
      assert.ok(
        `${path[i - 1]}->${path[i]}` in transitionNotices,
        `${path[i - 1]} → ${path[i]} is not allowed`,
      );
    // The customer hears of the intake, the wait for a part, the pickup and the collection.
    assert.equal(transitionNotices['draft->received'], 'received');
    assert.equal(transitionNotices['received->diagnosing'], null);
    assert.equal(transitionNotices['repaired->ready-for-pickup'], 'ready');
  });

  test('the bench waits for an answer to the estimate, and a declined one returns the device unrepaired', () => {
    const t = (x: Transition) => x as keyof typeof transitionNotices;
    assert.equal(moveRefusal(t('diagnosing->repaired'), 'none'), null);
    assert.equal(moveRefusal(t('diagnosing->repaired'), 'accepted'), null);
    assert.match(moveRefusal(t('diagnosing->repaired'), 'proposed')!, /not answered/);
    assert.match(moveRefusal(t('diagnosing->repaired'), 'declined')!, /declined/);
    assert.equal(moveRefusal(t('diagnosing->ready-for-pickup'), 'declined'), null);
    assert.match(moveRefusal(t('diagnosing->ready-for-pickup'), 'accepted')!, /repaired first/);
    // The desk offers only what may go now.
    assert.deepEqual(possibleMoves('diagnosing', 'proposed'), ['waiting-for-parts']);
    assert.deepEqual(possibleMoves('diagnosing', 'accepted'), ['waiting-for-parts', 'repaired']);
    assert.deepEqual(possibleMoves('diagnosing', 'declined'), [
      'waiting-for-parts',
      'ready-for-pickup',
    ]);
  });

  test('photos are told by their bytes, not by what they claim to be', () => {
    assert.equal(sniffImage(png), 'image/png');
    assert.equal(sniffImage(Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0])), 'image/jpeg');
    assert.equal(sniffImage(Buffer.from('GIF89a....')), 'image/gif');
    assert.equal(sniffImage(Buffer.from('RIFF\0\0\0\0WEBPVP8 ')), 'image/webp');
    assert.equal(sniffImage(Buffer.from('RIFF\0\0\0\0WAVEfmt ')), null);
    assert.equal(sniffImage(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>')), null);
    assert.equal(sniffImage(Buffer.alloc(0)), null);
  });
});

for (const db of databases) {
  describe(`repairs on ${db.name}`, { skip: db.skip }, () => {
    let h: Harness;
    let shop: string;
    let otherShop: string;
    let supervisor: string;
    let otherShopId: number;
    /** A second node on the same PostgreSQL database (none on SQLite, which one process serves). */
    let second: { ctx: Context; app: FastifyInstance } | undefined;

    const send = (
      method: 'GET' | 'POST' | 'PUT' | 'PATCH',
      url: string,
      cookie: string | null,
      payload?: unknown,
    ) =>
      h.app.inject({
        method,
        url,
        headers: cookie ? { cookie } : {},
        ...(payload !== undefined ? { payload: payload as Record<string, unknown> } : {}),
      });
    const ok = <T>(response: LightMyRequestResponse, status = 200): T => {
      assert.equal(response.statusCode, status, response.body);
      return json<T>(response);
    };
    const problem = (response: LightMyRequestResponse, status: number, code: string) => {
      assert.equal(response.statusCode, status, response.body);
      assert.match(String(response.headers['content-type']), /application\/problem\+json/);
      const body = json<{ type: string; detail: string }>(response);
      assert.equal(body.type, `https://rapport.dev/problems/${code}`);
      return body.detail;
    };
    const tokenOf = (repair: Repair) => repair.statusUrl.split('/repairs/')[1]!;
    const outbound = (customerId: number) =>
      h.ctx.store.db
        .selectFrom('interactions')
        .select(['id', 'channel', 'text', 'automated', 'to_address'])
        .where('customer_id', '=', customerId)
        .where('direction', '=', 'outbound')
        .orderBy('id')
        .execute();
    const move = (repair: Repair, status: RepairStatus) =>
      send('POST', `/api/repairs/${repair.id}/steps`, shop, { status });
    const intake = async (payload: Record<string, unknown>) =>
      ok<Repair>(
        await send('POST', '/api/repairs', shop, {
          device: 'Pixel 7',
          serialNumber: 'PX7-0042',
          fault: 'Cracked screen, touch dead in the lower third',
          condition: 'Scratches on the back',
          accessories: ['charger', 'case'],
          ...payload,
        }),
        201,
      );

    before(async () => {
      h = await startHarness(await db.open());
      shop = await h.signIn(h.fixture.people.shopAdvisor.email);
      supervisor = await h.signIn(h.fixture.people.supervisor.email);
      const other = await h.ctx.writer.run(async (unit) => {
        const shopId = (
          await unit.db
            .insertInto('shops')
            .values({
              name: 'Nantes',
              city: 'Nantes',
              time_zone: 'Europe/Paris',
              address: '2 quai de la Fosse',
              team_id: h.fixture.teams.shopTeam,
              created_at: unit.now,
            })
            .returning('id')
            .executeTakeFirstOrThrow()
        ).id;
        const advisor = await createAdvisor(
          unit,
          {
            name: 'Other shop',
            email: 'other-shop@test.rapport',
            role: 'shop_advisor',
            teamId: h.fixture.teams.shopTeam,
            shopId,
            passwordHash: (
              await unit.db
                .selectFrom('advisors')
                .select('password_hash')
                .where('id', '=', h.fixture.people.shopAdvisor.id)
                .executeTakeFirstOrThrow()
            ).password_hash,
          },
          systemActor,
        );
        return { shopId, email: advisor.email };
      });
      otherShopId = other.shopId;
      otherShop = await h.signIn(other.email);
      const store = db.reopen(h.ctx.store);
      if (store) {
        const config = loadConfig(
          { RAPPORT_PHONE_REGION: 'FR', LOG_LEVEL: 'warn' },
          { dataDir: '/nonexistent' },
        );
        const ctx = await createContext(config, { store, clock: h.clock, quiet: true });
        second = { ctx, app: await buildServer(ctx) };
      }
    });
    after(async () => {
      if (second) {
        await second.app.close();
        await closeContext(second.ctx);
      }
      await h?.close();
    });

    test('a repair from intake to collection: drafts silent, each step a row and an event, the customer told as the map says', async () => {
      const due = new Date(h.clock.now() + 2 * 86_400_000).toISOString();
      const draft = await intake({
        customer: { name: 'Inès Moreau', phone: '06 12 00 33 44' },
        dueAt: due,
      });
      assert.equal(draft.status, 'draft');
      assert.equal(draft.conversationId, null);
      assert.deepEqual(draft.accessories, ['charger', 'case']);
      assert.deepEqual(draft.nextStatuses, ['received']);
      assert.match(draft.dueLocal!, /\(Europe\/Paris, GMT\+1\)$/);

      // A photo, told by its bytes; text passed off as an image is refused.
      const photo = await send('POST', `/api/repairs/${draft.id}/photos`, null);
      assert.equal(photo.statusCode, 401);
      const added = await h.app.inject({
        method: 'POST',
        url: `/api/repairs/${draft.id}/photos`,
        headers: { cookie: shop, 'content-type': 'image/jpeg', 'x-file-name': 'front.png' },
        payload: png,
      });
      const stored = ok<{ id: number; contentType: string; url: string }>(added, 201);
      assert.equal(stored.contentType, 'image/png');
      const fake = await h.app.inject({
        method: 'POST',
        url: `/api/repairs/${draft.id}/photos`,
        headers: { cookie: shop, 'content-type': 'image/png' },
        payload: Buffer.from('<svg onload="alert(1)"/>'),
      });
      assert.match(problem(fake, 422, 'invalid'), /not a photo/);
      const bytes = await send('GET', stored.url, shop);
      assert.equal(bytes.statusCode, 200);
      assert.equal(bytes.headers['content-type'], 'image/png');
      assert.deepEqual(bytes.rawPayload, png);

      // An estimate on a draft tells nobody; nor does the draft itself.
      ok<Repair>(
        await send('PUT', `/api/repairs/${draft.id}/estimate`, shop, {
          amountCents: 8900,
          currency: 'eur',
          note: 'Screen and digitiser',
        }),
      );
      assert.deepEqual(await outbound(draft.customerId), []);
      const jobsBefore = await h.ctx.store.db
        .selectFrom('jobs')
        .select('id')
        .where('type', '=', sendJobType)
        .execute();
      assert.equal(jobsBefore.length, 0);
      const reservationsBefore = await h.ctx.store.db
        .selectFrom('shop_reservations')
        .selectAll()
        .where('source_type', '=', 'repair')
        .where('source_id', '=', draft.id)
        .execute();
      assert.equal(reservationsBefore.length, 0, 'a draft holds no bench time');

      // Not a next status from a draft.
      assert.match(
        problem(await move(draft, 'diagnosing'), 409, 'repair-status-refused'),
        /draft cannot go to diagnosing; next: received/,
      );

      // Confirming the intake: the case opened on the shop channel, the visit on the timeline, an SMS.
      const received = ok<Repair>(await move(draft, 'received'));
      assert.equal(received.status, 'received');
      assert.ok(received.conversationId);
      const conversation = await h.ctx.store.db
        .selectFrom('conversations')
        .selectAll()
        .where('id', '=', received.conversationId)
        .executeTakeFirstOrThrow();
      assert.equal(conversation.origin_channel, 'shop');
      assert.equal(conversation.shop_id, h.fixture.shopId);
      assert.equal(conversation.owner_id, h.fixture.people.shopAdvisor.id);
      const timeline = ok<{ items: Array<{ kind: string; text: string }> }>(
        await send('GET', `/api/customers/${received.customerId}/timeline`, shop),
      );
      const visit = timeline.items.find((i) => i.kind === 'shop_visit');
      assert.ok(visit, 'the intake shows on the timeline');
      assert.match(visit.text, /Pixel 7 \(serial PX7-0042\)/);
      assert.match(visit.text, /Left with it: charger, case/);
      let sent = await outbound(received.customerId);
      assert.equal(sent.length, 1);
      assert.equal(sent[0]!.channel, 'sms');
      assert.equal(sent[0]!.to_address, '+33612003344');
      assert.match(sent[0]!.text, /Lyon has your Pixel 7/);
      assert.match(sent[0]!.text, /Our estimate: €89\.00/);
      assert.ok(sent[0]!.text.includes(received.statusUrl), 'the message carries the status link');
      assert.equal(received.steps.at(-1)!.toldOn, 'sms');
      assert.equal(received.steps.at(-1)!.interactionId, sent[0]!.id);
      const reservation = await h.ctx.store.db
        .selectFrom('shop_reservations')
        .selectAll()
        .where('source_type', '=', 'repair')
        .where('source_id', '=', draft.id)
        .executeTakeFirstOrThrow();
      assert.equal(Number(reservation.ends_at), Date.parse(due));
      assert.equal(Number(reservation.ends_at) - Number(reservation.starts_at), 40 * 60_000);
      assert.equal(reservation.advisor_id, h.fixture.people.shopAdvisor.id);

      // Diagnosing is silent; the bench waits for the customer's answer to the estimate.
      const diagnosing = ok<Repair>(await move(received, 'diagnosing'));
      assert.equal(diagnosing.steps.at(-1)!.toldOn, null);
      assert.equal((await outbound(received.customerId)).length, 1);
      assert.match(
        problem(await move(diagnosing, 'repaired'), 409, 'repair-status-refused'),
        /not answered the estimate/,
      );

      // The customer's status page, behind the signed link; a forged one is refused clearly.
      const token = tokenOf(received);
      const view = ok<RepairStatusView>(await send('GET', `/api/repair-status/${token}`, null));
      assert.equal(view.status, 'diagnosing');
      assert.deepEqual(
        view.steps.map((s) => s.status),
        ['draft', 'received', 'diagnosing'],
      );
      assert.equal(view.estimate?.state, 'proposed');
      assert.equal(JSON.stringify(view).includes('ShopAdvisor'), false, 'no staff names');
      const forged = `${token.slice(0, -3)}${token.endsWith('AAA') ? 'BBB' : 'AAA'}`;
      problem(await send('GET', `/api/repair-status/${forged}`, null), 404, 'repair-link-invalid');
      problem(await send('GET', '/api/repair-status/garbage', null), 404, 'repair-link-invalid');
      problem(
        await send('POST', `/api/repair-status/${forged}/estimate`, null, { decision: 'accept' }),
        404,
        'repair-link-invalid',
      );

      // Accepted once; the same answer again is fine, the other is refused.
      const accepted = ok<RepairStatusView>(
        await send('POST', `/api/repair-status/${token}/estimate`, null, { decision: 'accept' }),
      );
      assert.equal(accepted.estimate?.state, 'accepted');
      assert.match(accepted.estimate!.decidedLocal!, /Europe\/Paris/);
      const again = ok<RepairStatusView>(
        await send('POST', `/api/repair-status/${token}/estimate`, null, { decision: 'accept' }),
      );
      assert.equal(again.estimate?.decidedAt, accepted.estimate?.decidedAt);
      assert.match(
        problem(
          await send('POST', `/api/repair-status/${token}/estimate`, null, { decision: 'decline' }),
          409,
          'estimate-decided',
        ),
        /already accepted/,
      );
      problem(
        await send('PUT', `/api/repairs/${draft.id}/estimate`, shop, {
          amountCents: 100,
          currency: 'EUR',
        }),
        409,
        'estimate-decided',
      );
      const decisions = await h.ctx.store.db
        .selectFrom('events')
        .select('type')
        .where('type', 'like', 'shop.repair-estimate-%')
        .where('entity_id', '=', draft.id)
        .orderBy('id')
        .execute();
      assert.deepEqual(
        decisions.map((d) => d.type),
        ['shop.repair-estimate-proposed', 'shop.repair-estimate-accepted'],
      );

      // Waiting for a part tells them; the cap of automatic messages an hour is kept by moving on.
      h.clock.advance(hour);
      ok<Repair>(await move(diagnosing, 'waiting-for-parts'));
      h.clock.advance(hour);
      ok<Repair>(await move(diagnosing, 'repaired'));
      h.clock.advance(hour);
      const ready = ok<Repair>(await move(diagnosing, 'ready-for-pickup'));
      h.clock.advance(hour);
      // Done two days early: the bench time not yet begun is given back to bookings.
      const released = await h.ctx.store.db
        .selectFrom('shop_reservations')
        .select('id')
        .where('source_type', '=', 'repair')
        .where('source_id', '=', draft.id)
        .execute();
      assert.deepEqual(released, []);
      const collected = ok<Repair>(await move(diagnosing, 'collected'));
      assert.deepEqual(collected.nextStatuses, []);
      assert.match(
        problem(await move(diagnosing, 'received'), 409, 'repair-status-refused'),
        /collected cannot go to received: it is finished/,
      );
      assert.equal(ready.steps.at(-1)!.toldOn, 'sms');
      sent = await outbound(received.customerId);
      assert.equal(sent.length, 4);
      assert.match(sent[1]!.text, /waiting for a part/);
      assert.match(sent[2]!.text, /repaired and ready for pickup at Lyon, 1 rue de la République/);
      assert.match(sent[3]!.text, /You collected your Pixel 7/);
      assert.ok(sent.every((s) => s.automated === 1));
      const jobs = await h.ctx.store.db.selectFrom('jobs').select('key').execute();
      for (const s of sent)
        assert.ok(
          jobs.some((j) => j.key === sendKeyOf(s.id)),
          `no send job for interaction ${s.id}`,
        );

      // Each step a row and an event.
      assert.deepEqual(
        collected.steps.map((s) => [s.status, s.toldOn]),
        [
          ['draft', null],
          ['received', 'sms'],
          ['diagnosing', null],
          ['waiting-for-parts', 'sms'],
          ['repaired', null],
          ['ready-for-pickup', 'sms'],
          ['collected', 'sms'],
        ],
      );
      const moves = await h.ctx.store.db
        .selectFrom('events')
        .select(['type', 'after'])
        .where('type', '=', 'shop.repair-moved')
        .where('entity_id', '=', draft.id)
        .orderBy('id')
        .execute();
      assert.equal(moves.length, 6);
    });

    test('the customer is told on the channel they asked for, else the one they last wrote on', async () => {
      const asked = await intake({
        customer: { name: 'Jade', phone: '+33612009901', email: 'jade@example.com' },
        notifyChannel: 'email',
      });
      ok<Repair>(await move(asked, 'received'));
      const toJade = await outbound(asked.customerId);
      assert.deepEqual(
        toJade.map((s) => [s.channel, s.to_address]),
        [['email', 'jade@example.com']],
      );

      // Léo wrote by email last week; with no preference given, email it is.
      const response = await h.app.inject({
        method: 'POST',
        url: '/api/interactions/inbound',
        headers: { authorization: `Bearer ${h.fixture.gatewayToken}` },
        payload: {
          kind: 'email',
          from: { email: 'leo@example.com', phone: '+33612009902' },
          text: 'My phone will not charge',
        },
      });
      const { customerId } = ok<{ customerId: number }>(response, 201);
      // Found by his email at the counter (his case is the contact centre's: not his id to look up).
      const leo = await intake({ customer: { email: 'LEO@example.com' } });
      assert.equal(leo.customerId, customerId);
      const leoReceived = ok<Repair>(await move(leo, 'received'));
      // His open email case is continued, not a second one opened.
      assert.equal(
        leoReceived.conversationId,
        json<{ conversationId: number }>(response).conversationId,
      );
      const toLeo = await outbound(customerId);
      assert.deepEqual(
        toLeo.map((s) => s.channel),
        ['email'],
      );
    });

    test("a shop advisor of another shop sees none of this shop's repairs: 404, as if missing", async () => {
      const repair = await intake({ customer: { phone: '+33612009903' } });
      for (const [method, url, payload] of [
        ['GET', `/api/repairs/${repair.id}`, undefined],
        ['POST', `/api/repairs/${repair.id}/steps`, { status: 'received' }],
        ['PUT', `/api/repairs/${repair.id}/estimate`, { amountCents: 1, currency: 'EUR' }],
        ['GET', `/api/repairs/${repair.id}/photos/1`, undefined],
      ] as const) {
        const refused = await send(method, url, otherShop, payload);
        const missing = await send(
          method,
          url.replace(String(repair.id), '987654'),
          otherShop,
          payload,
        );
        problem(refused, 404, 'not-found');
        assert.deepEqual(json(refused).detail, json(missing).detail);
      }
      problem(
        await send('GET', `/api/repairs?shopId=${h.fixture.shopId}`, otherShop),
        404,
        'not-found',
      );
      const theirs = ok<{ items: unknown[] }>(await send('GET', '/api/repairs', otherShop));
      assert.deepEqual(theirs.items, []);
      // Nor may they take a repair in for a shop not theirs.
      problem(
        await send('POST', '/api/repairs', otherShop, {
          shopId: h.fixture.shopId,
          customer: { phone: '+33612009904' },
          device: 'iPad',
          serialNumber: '',
          fault: 'Battery',
          condition: '',
          accessories: [],
        }),
        422,
        'invalid',
      );
      // Supervisors see every shop's; the list puts the shop's open repairs first.
      const all = ok<{ items: Array<{ id: number; status: string }> }>(
        await send('GET', `/api/repairs?shopId=${h.fixture.shopId}`, supervisor),
      );
      assert.ok(all.items.some((r) => r.id === repair.id));
      assert.equal(all.items.at(-1)!.status, 'collected');
      const drafts = ok<{ items: Array<{ status: string }> }>(
        await send('GET', `/api/repairs?status=draft`, shop),
      );
      assert.ok(drafts.items.length > 0 && drafts.items.every((r) => r.status === 'draft'));
      ok(await send('GET', `/api/repairs?shopId=${otherShopId}`, supervisor));
    });

    test('a declined estimate sends the device back unrepaired, and the draft link opens nothing', async () => {
      const repair = await intake({ customer: { phone: '+33612009905' } });
      problem(
        await send('GET', `/api/repair-status/${tokenOf(repair)}`, null),
        404,
        'repair-link-invalid',
      );
      ok(await move(repair, 'received'));
      ok(await move(repair, 'diagnosing'));
      ok(
        await send('PUT', `/api/repairs/${repair.id}/estimate`, shop, {
          amountCents: 25000,
          currency: 'EUR',
        }),
      );
      h.clock.advance(hour);
      ok(
        await send('POST', `/api/repair-status/${tokenOf(repair)}/estimate`, null, {
          decision: 'decline',
        }),
      );
      problem(await move(repair, 'repaired'), 409, 'repair-status-refused');
      const back = ok<Repair>(await move(repair, 'ready-for-pickup'));
      assert.equal(back.estimate?.state, 'declined');
      const last = (await outbound(repair.customerId)).at(-1)!;
      assert.match(last.text, /not repaired as you declined the estimate/);
      // The answer is on the case for whoever serves them next.
      const notes = await h.ctx.store.db
        .selectFrom('interactions')
        .select('text')
        .where('conversation_id', '=', back.conversationId)
        .where('kind', '=', 'note')
        .execute();
      assert.match(notes[0]!.text, /declined the repair estimate of €250\.00/);
    });

    test('corrections: the intake while a draft, the due time (its bench time follows) and the channel later', async () => {
      const repair = await intake({
        customer: { phone: '+33612009907', email: 'noa@example.com' },
      });
      const fixed = ok<Repair>(
        await send('PATCH', `/api/repairs/${repair.id}`, shop, {
          device: 'Pixel 7 Pro',
          accessories: ['charger', ' charger ', 'SIM tray'],
        }),
      );
      assert.equal(fixed.device, 'Pixel 7 Pro');
      assert.deepEqual(fixed.accessories, ['charger', 'SIM tray']);
      ok(await move(repair, 'received'));
      assert.match(
        problem(
          await send('PATCH', `/api/repairs/${repair.id}`, shop, { fault: 'Battery' }),
          409,
          'repair-status-refused',
        ),
        /fault no longer changes/,
      );
      const due = h.clock.now() + 3 * 86_400_000;
      ok(
        await send('PATCH', `/api/repairs/${repair.id}`, shop, {
          dueAt: new Date(due).toISOString(),
          notifyChannel: 'email',
        }),
      );
      const held = await h.ctx.store.db
        .selectFrom('shop_reservations')
        .select(['ends_at'])
        .where('source_type', '=', 'repair')
        .where('source_id', '=', repair.id)
        .execute();
      assert.deepEqual(
        held.map((r) => Number(r.ends_at)),
        [due],
      );
      problem(
        await send('PATCH', `/api/repairs/${repair.id}`, shop, {
          dueAt: new Date(h.clock.now() - 1000).toISOString(),
        }),
        422,
        'invalid',
      );
      h.clock.advance(hour);
      ok(await move(repair, 'diagnosing'));
      ok(await move(repair, 'waiting-for-parts'));
      const told = await outbound(repair.customerId);
      assert.deepEqual(
        told.map((t) => t.channel),
        ['sms', 'email'],
      );
      ok(await send('PATCH', `/api/repairs/${repair.id}`, shop, { dueAt: null }));
      const none = await h.ctx.store.db
        .selectFrom('shop_reservations')
        .select('id')
        .where('source_type', '=', 'repair')
        .where('source_id', '=', repair.id)
        .execute();
      assert.deepEqual(none, []);
    });

    test('two clicks at once move a repair once, and two answers at once record one (two nodes on PostgreSQL)', async () => {
      const repair = await intake({ customer: { phone: '+33612009908' } });
      // On PostgreSQL the second click reaches another node: its own transaction, not the same batch.
      const node = second?.app ?? h.app;
      const moveOn = (app: FastifyInstance) =>
        app.inject({
          method: 'POST',
          url: `/api/repairs/${repair.id}/steps`,
          headers: { cookie: shop },
          payload: { status: 'received' },
        });
      const moves = await Promise.all([moveOn(h.app), moveOn(node)]);
      assert.deepEqual(moves.map((m) => m.statusCode).sort(), [200, 409]);
      const steps = await h.ctx.store.db
        .selectFrom('shop_repair_steps')
        .select('status')
        .where('repair_id', '=', repair.id)
        .execute();
      assert.deepEqual(
        steps.map((s) => s.status),
        ['draft', 'received'],
      );
      const visits = await h.ctx.store.db
        .selectFrom('interactions')
        .select('id')
        .where('customer_id', '=', repair.customerId)
        .where('kind', '=', 'shop_visit')
        .execute();
      assert.equal(visits.length, 1, 'one intake on the timeline');
      ok(
        await send('PUT', `/api/repairs/${repair.id}/estimate`, shop, {
          amountCents: 4200,
          currency: 'EUR',
        }),
      );
      const url = `/api/repair-status/${tokenOf(repair)}/estimate`;
      const answers = await Promise.all([
        send('POST', url, null, { decision: 'accept' }),
        node.inject({ method: 'POST', url, payload: { decision: 'decline' } }),
      ]);
      assert.deepEqual(answers.map((a) => a.statusCode).sort(), [200, 409]);
      const decided = await h.ctx.store.db
        .selectFrom('events')
        .select('type')
        .where('entity_type', '=', 'repair')
        .where('entity_id', '=', repair.id)
        .where('type', 'in', ['shop.repair-estimate-accepted', 'shop.repair-estimate-declined'])
        .execute();
      assert.equal(decided.length, 1);
    });

    test('a repair opened for the walk-in being served names their ticket; another shop’s ticket is refused', async () => {
      const ticketOf = (shopId: number) =>
        h.ctx.writer.run(async (unit) => {
          // One active service per ticket letter (a partial unique index): both shops share it.
          const service =
            (await unit.db
              .selectFrom('shop_services')
              .select('id')
              .where('ticket_prefix', '=', 'R')
              .where('active', '=', 1)
              .executeTakeFirst()) ??
            (await unit.db
              .insertInto('shop_services')
              .values({
                code: `device-repair-${shopId}-${unit.now}`,
                name: 'Device repair',
                ticket_prefix: 'R',
                duration_minutes: 30,
                buffer_minutes: 10,
                skills: '[]',
                bookable: 1,
                walk_in: 1,
                created_at: unit.now,
              })
              .returning('id')
              .executeTakeFirstOrThrow());
          return (
            await unit.db
              .insertInto('shop_tickets')
              .values({
                shop_id: shopId,
                service_id: service.id,
                day: '2026-11-25',
                number: 7,
                code: 'R-007',
                status: 'serving',
                waiting_since: unit.now,
                created_at: unit.now,
                updated_at: unit.now,
              })
              .returning('id')
              .executeTakeFirstOrThrow()
          ).id;
        });
      const ours = await ticketOf(h.fixture.shopId);
      const repair = await intake({ customer: { phone: '+33612009909' }, ticketId: ours });
      assert.equal(repair.ticketId, ours);
      const theirs = await ticketOf(otherShopId);
      assert.match(
        problem(
          await send('POST', '/api/repairs', shop, {
            customer: { phone: '+33612009909' },
            device: 'Pixel 7',
            serialNumber: '',
            fault: 'Screen',
            condition: '',
            accessories: [],
            ticketId: theirs,
          }),
          422,
          'invalid',
        ),
        /ticketId: no such ticket at this shop/,
      );
      // A phone number that is none is named as the customer's.
      const bad = await send('POST', '/api/repairs', shop, {
        customer: { phone: '12' },
        device: 'Pixel 7',
        serialNumber: '',
        fault: 'Screen',
        condition: '',
        accessories: [],
      });
      problem(bad, 422, 'invalid');
      assert.equal(
        json<{ errors: Array<{ field: string }> }>(bad).errors[0]!.field,
        'customer.phone',
      );
    });

    test('an answer from a page of another site is refused', async () => {
      const repair = await intake({ customer: { phone: '+33612009906' } });
      ok(await move(repair, 'received'));
      ok(
        await send('PUT', `/api/repairs/${repair.id}/estimate`, shop, {
          amountCents: 5000,
          currency: 'EUR',
        }),
      );
      const response = await h.app.inject({
        method: 'POST',
        url: `/api/repair-status/${tokenOf(repair)}/estimate`,
        headers: { origin: 'https://evil.example' },
        payload: { decision: 'accept' },
      });
      problem(response, 403, 'cross-site-request');
    });
  });
}
