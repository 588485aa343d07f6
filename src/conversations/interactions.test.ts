import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { testDatabases } from '../../test/databases.ts';
import { json, startHarness, type Harness } from '../../test/harness.ts';
import {
  customerTimeline,
  ingestInbound,
  searchInteractions,
  type InboundContact,
} from './interactions.ts';
import type { Viewer } from '../advisors/access.ts';
import { decodeCursor } from '../platform/http/cursor.ts';

const databases = await testDatabases();
const channel = { type: 'channel' as const, id: null };

for (const database of databases) {
  describe(`interactions on ${database.name}`, { skip: database.skip }, () => {
    let h: Harness;
    let supervisor: Viewer;
    before(async () => {
      h = await startHarness(await database.open());
      supervisor = {
        id: h.fixture.people.supervisor.id,
        role: 'supervisor',
        teamId: h.fixture.teams.care,
        shopId: null,
        name: 'Supervisor',
      };
    });
    after(async () => h.close());

    const ingest = (contact: InboundContact) =>
      h.ctx.writer.run((unit) =>
        ingestInbound(unit, contact, {
          defaultRegion: 'FR',
          actor: channel,
          dialect: h.ctx.store.dialect,
        }),
      );

    test('a first contact opens a case; the next contact on another channel appends to it', async () => {
      const email = await ingest({
        kind: 'email',
        from: { email: 'ines@example.com', phone: '0655443322' },
        subject: 'Broken charger',
        text: 'My charger stopped working',
      });
      const call = await ingest({
        kind: 'call',
        from: { phone: '+33655443322' },
        text: 'Called to follow up on the charger',
      });
      assert.equal(email.conversationOpened, true);
      assert.equal(call.conversationOpened, false);
      assert.equal(call.conversationId, email.conversationId);
      assert.equal(call.customerId, email.customerId);
      const conversation = await h.ctx.store.db
        .selectFrom('conversations')
        .selectAll()
        .where('id', '=', email.conversationId)
        .executeTakeFirstOrThrow();
      assert.equal(conversation.subject, 'Broken charger');
      assert.equal(conversation.origin_channel, 'email');
      assert.equal(conversation.team_id, h.fixture.teams.care);
    });

    test('a shop visit lands in the shop team; a resolved case is not reopened by a new need', async () => {
      const visit = await ingest({
        kind: 'shop_visit',
        from: { email: 'walkin@example.com' },
        text: 'Screen repair',
        shopId: h.fixture.shopId,
      });
      const conversation = await h.ctx.store.db
        .selectFrom('conversations')
        .selectAll()
        .where('id', '=', visit.conversationId)
        .executeTakeFirstOrThrow();
      assert.equal(conversation.shop_id, h.fixture.shopId);
      assert.equal(conversation.team_id, h.fixture.teams.shopTeam);
      await h.ctx.store.db
        .updateTable('conversations')
        .set({ status: 'resolved' })
        .where('id', '=', visit.conversationId)
        .execute();
      const next = await ingest({
        kind: 'chat_message',
        from: { email: 'walkin@example.com' },
        text: 'Another question',
      });
      assert.notEqual(next.conversationId, visit.conversationId);
    });

    test('a re-delivered provider message id is ignored and changes nothing', async () => {
      const contact: InboundContact = {
        kind: 'sms',
        from: { phone: '0677889900' },
        text: 'Is my repair ready?',
        provider: 'twilio',
        providerId: 'SM123',
      };
      const first = await ingest(contact);
      const eventsBefore = (await h.ctx.store.db.selectFrom('events').select('id').execute())
        .length;
      const again = await ingest(contact);
      assert.equal(again.duplicate, true);
      assert.equal(again.interactionId, first.interactionId);
      assert.equal(
        (await h.ctx.store.db.selectFrom('events').select('id').execute()).length,
        eventsBefore,
      );
      const concurrent = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          ingest({ ...contact, providerId: 'SM-race', text: `copy ${i}` }),
        ),
      );
      assert.equal(new Set(concurrent.map((r) => r.interactionId)).size, 1);
      const rows = await h.ctx.store.db
        .selectFrom('interactions')
        .select('id')
        .where('provider_id', '=', 'SM-race')
        .execute();
      assert.equal(rows.length, 1);
    });

    test('customer HTML is sanitised before it is stored', async () => {
      const r = await ingest({
        kind: 'email',
        from: { email: 'html@example.com' },
        html: '<p onclick="steal()">Hello <b>there</b><script>alert(1)</script><a href="javascript:alert(2)">x</a><img src=x onerror=alert(3)></p>',
      });
      const row = await h.ctx.store.db
        .selectFrom('interactions')
        .selectAll()
        .where('id', '=', r.interactionId)
        .executeTakeFirstOrThrow();
      assert.doesNotMatch(row.html!, /script|onclick|onerror|javascript:/i);
      assert.match(row.html!, /<b>there<\/b>/);
      assert.equal(row.text, 'Hello therex');
    });

    test('the timeline shows every channel newest first, a page at a time, without gaps or repeats', async () => {
      const start = h.clock.now();
      const kinds = ['email', 'chat_message', 'call', 'sms', 'social_dm', 'shop_visit'] as const;
      let customerId = 0;
      for (let i = 0; i < 25; i++) {
        const kind = kinds[i % kinds.length]!;
        const r = await ingest({
          kind,
          from: {
            email: 'timeline@example.com',
            phone: '0633221100',
            social: { network: 'x', handle: 'tl_person' },
          },
          text: `message ${i}`,
          occurredAt: start + i * 1000,
          ...(kind === 'shop_visit' ? { shopId: h.fixture.shopId } : {}),
        });
        customerId = r.customerId;
      }
      const seen: string[] = [];
      let cursor: ReturnType<typeof decodeCursor> | undefined;
      for (let page = 0; page < 10; page++) {
        const result = await customerTimeline(h.ctx.store.db, customerId, supervisor, {
          limit: 10,
          cursor,
        });
        seen.push(...result.items.map((i) => i.text));
        if (!result.nextCursor) break;
        cursor = decodeCursor(result.nextCursor);
      }
      assert.deepEqual(
        seen,
        Array.from({ length: 25 }, (_, i) => `message ${24 - i}`),
      );
    });

    test('an advisor sees only their team’s part of a timeline', async () => {
      const care = await ingest({
        kind: 'email',
        from: { email: 'split@example.com' },
        text: 'care question',
        teamId: h.fixture.teams.care,
      });
      await h.ctx.store.db
        .updateTable('conversations')
        .set({ status: 'resolved' })
        .where('id', '=', care.conversationId)
        .execute();
      await ingest({
        kind: 'email',
        from: { email: 'split@example.com' },
        text: 'tech question',
        teamId: h.fixture.teams.tech,
      });
      const advisor: Viewer = {
        id: h.fixture.people.advisor.id,
        role: 'advisor',
        teamId: h.fixture.teams.care,
        shopId: null,
        name: 'Advisor',
      };
      const page = await customerTimeline(h.ctx.store.db, care.customerId, advisor, { limit: 50 });
      assert.deepEqual(
        page.items.map((i) => i.text),
        ['care question'],
      );
    });

    test('full-text search finds words in any interaction, and only what the viewer may see', async () => {
      await ingest({
        kind: 'email',
        from: { email: 'search1@example.com' },
        text: 'The thermostat display is flickering',
        teamId: h.fixture.teams.tech,
      });
      const all = await searchInteractions(
        h.ctx.store.db,
        h.ctx.store.dialect,
        'thermostat flick',
        supervisor,
        10,
      );
      assert.equal(all.length, 1);
      assert.match(all[0]!.text, /thermostat/);
      const advisor: Viewer = {
        id: h.fixture.people.advisor.id,
        role: 'advisor',
        teamId: h.fixture.teams.care,
        shopId: null,
        name: 'Advisor',
      };
      assert.equal(
        (await searchInteractions(h.ctx.store.db, h.ctx.store.dialect, 'thermostat', advisor, 10))
          .length,
        0,
      );
      assert.equal(
        (
          await searchInteractions(
            h.ctx.store.db,
            h.ctx.store.dialect,
            '"); drop table interactions; --',
            supervisor,
            10,
          )
        ).length,
        0,
      );
    });

    test('an advisor with a narrow scope still finds an older match behind many newer ones of other teams', async () => {
      const old = await ingest({
        kind: 'email',
        from: { email: 'oldcare@example.com' },
        text: 'gyroscope calibration',
        teamId: h.fixture.teams.care,
      });
      for (let i = 0; i < 120; i++) {
        await ingest({
          kind: 'email',
          from: { email: `tech${i}@example.com` },
          text: `gyroscope noise ${i}`,
          teamId: h.fixture.teams.tech,
        });
      }
      const advisor: Viewer = {
        id: h.fixture.people.advisor.id,
        role: 'advisor',
        teamId: h.fixture.teams.care,
        shopId: null,
        name: 'Advisor',
      };
      const found = await searchInteractions(
        h.ctx.store.db,
        h.ctx.store.dialect,
        'gyroscope',
        advisor,
        1,
      );
      assert.deepEqual(
        found.map((i) => i.id),
        [old.interactionId],
      );
    });

    test('over HTTP: an advisor replies, the case waits for the customer, and the reply says it waits for the channel', async () => {
      const r = await ingest({
        kind: 'email',
        from: { email: 'http@example.com' },
        text: 'Please help',
      });
      const cookie = await h.signIn(h.fixture.people.advisor.email);
      const reply = await h.app.inject({
        method: 'POST',
        url: `/api/conversations/${r.conversationId}/interactions`,
        headers: { cookie },
        payload: { kind: 'email', text: 'Happy to help — Advisor' },
      });
      assert.equal(reply.statusCode, 201);
      assert.equal(
        json(reply).deliveryState,
        'queued',
        'no email account is set up: the reply waits for its channel',
      );
      const conversation = json(
        await h.app.inject({ url: `/api/conversations/${r.conversationId}`, headers: { cookie } }),
      );
      assert.equal(conversation.status, 'pending_customer');
      assert.equal(conversation.ownerId, h.fixture.people.advisor.id);
      const answer = await ingest({
        kind: 'email',
        from: { email: 'http@example.com' },
        text: 'Thanks!',
      });
      assert.equal(answer.conversationId, r.conversationId);
      const after = json(
        await h.app.inject({ url: `/api/conversations/${r.conversationId}`, headers: { cookie } }),
      );
      assert.equal(after.status, 'pending_us');
      const note = await h.app.inject({
        method: 'POST',
        url: `/api/conversations/${r.conversationId}/interactions`,
        headers: { cookie },
        payload: { kind: 'note', text: 'VIP' },
      });
      assert.equal(json(note).private, true);
      assert.equal(json(note).deliveryState, 'none');
    });
  });
}
