import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, type Harness } from '../../../test/harness.ts';
import { testDatabases } from '../../../test/databases.ts';
import { systemActor } from '../../platform/events/event.ts';
import { resolveCustomer } from '../../customers/customers.ts';
import { openConversation } from '../../conversations/conversations.ts';
import { putBlob } from '../blobs.ts';
import { createOutbox } from '../../server.ts';
import type { Outbox } from '../send-queue.ts';
import { notifyCustomer, type NoticeResult } from './notify.ts';

const databases = await testDatabases();

for (const db of databases) {
  describe(`telling a shop customer (${db.name})`, { skip: db.skip }, () => {
    let h: Harness;
    let n = 0;
    let outbox: Outbox;

    before(async () => {
      // The company's gateway is every channel's default account, with send workers running.
      h = await startHarness(await db.open(), { gateway: true });
      outbox = createOutbox(h.ctx);
    });
    after(async () => h.close());

    /** A fresh customer with a case on the shop channel. */
    const caseFor = (points: { email?: string; phone?: string }) =>
      h.ctx.writer.run(async (unit) => {
        const { customerId } = await resolveCustomer(unit, points, {
          displayName: `Visitor ${++n}`,
          defaultRegion: 'FR',
          actor: systemActor,
        });
        const conversation = await openConversation(
          unit,
          { customerId, subject: 'Visit', channel: 'shop', shopId: h.fixture.shopId },
          systemActor,
        );
        return { customerId, conversationId: conversation.id };
      });

    const tell = (
      conversationId: number,
      options: Partial<Parameters<typeof notifyCustomer>[2]> = {},
    ): Promise<NoticeResult> =>
      h.ctx.writer.run((unit) =>
        notifyCustomer(unit, outbox, {
          conversationId,
          channels: ['sms', 'email'],
          mode: 'all',
          notice: {
            subject: 'Your visit',
            text: 'See you on Monday at 10:00 (Europe/Paris, CET).',
          },
          actor: systemActor,
          ...options,
        }),
      );

    test('each channel gets an automatic message on the case, queued as a send job', async () => {
      const address = `a${n}@example.com`;
      const { conversationId } = await caseFor({ email: address, phone: '+33612000001' });
      const result = await tell(conversationId);
      assert.deepEqual(
        result.sent.map((s) => s.channel),
        ['sms', 'email'],
      );
      assert.deepEqual(result.skipped, []);
      for (const { interaction } of result.sent) {
        assert.equal(interaction.automated, 1);
        assert.equal(interaction.direction, 'outbound');
        assert.equal(interaction.delivery_state, 'queued');
        const job = await h.ctx.store.db
          .selectFrom('jobs')
          .select(['type', 'key'])
          .where('key', '=', `send:${interaction.id}`)
          .executeTakeFirst();
        assert.equal(
          job?.type,
          'channel.send',
          `no send job for the ${interaction.channel} message`,
        );
      }
      const email = result.sent.find((s) => s.channel === 'email')!.interaction;
      assert.equal(email.subject, 'Your visit');
      assert.equal(email.to_address, address);
      assert.equal(
        result.sent.find((s) => s.channel === 'sms')!.interaction.to_address,
        '+33612000001',
      );
    });

    test("'first' stops at the first channel that goes out; given addresses come before the case's", async () => {
      const { conversationId } = await caseFor({ email: `b${n}@example.com` });
      const result = await tell(conversationId, {
        mode: 'first',
        to: { email: 'given@example.com' },
      });
      // No phone known: the SMS is skipped, the email goes to the address given for this visit.
      assert.deepEqual(result.skipped, [{ channel: 'sms', reason: 'no-address' }]);
      assert.deepEqual(
        result.sent.map((s) => s.channel),
        ['email'],
      );
      assert.equal(result.sent[0]!.interaction.to_address, 'given@example.com');
      const both = await caseFor({ email: `c${n}@example.com`, phone: '+33612000002' });
      const first = await tell(both.conversationId, { mode: 'first' });
      assert.deepEqual(
        first.sent.map((s) => s.channel),
        ['sms'],
      );
    });

    test('a channel without consent is skipped and named, never an error', async () => {
      const { customerId, conversationId } = await caseFor({
        email: `d${n}@example.com`,
        phone: '+33612000003',
      });
      await h.ctx.writer.run((unit) =>
        unit.db
          .updateTable('customers')
          .set({
            consent: JSON.stringify({
              email: true,
              sms: false,
              phone: true,
              chat: true,
              social: true,
              marketing: false,
            }),
          })
          .where('id', '=', customerId)
          .execute(),
      );
      const result = await tell(conversationId, { mode: 'first' });
      assert.deepEqual(result.skipped, [{ channel: 'sms', reason: 'no-consent' }]);
      assert.deepEqual(
        result.sent.map((s) => s.channel),
        ['email'],
      );
    });

    test('the fourth automatic message within the hour is held back', async () => {
      const { conversationId } = await caseFor({ email: `e${n}@example.com` });
      for (let i = 0; i < 3; i++)
        assert.equal((await tell(conversationId, { channels: ['email'] })).sent.length, 1);
      const fourth = await tell(conversationId, { channels: ['email'] });
      assert.deepEqual(fourth.skipped, [{ channel: 'email', reason: 'automatic-message-limit' }]);
      h.clock.advance(3_600_000);
      assert.equal((await tell(conversationId, { channels: ['email'] })).sent.length, 1);
    });

    test('the email carries the attachments; the SMS does not', async () => {
      const { conversationId } = await caseFor({
        email: `f${n}@example.com`,
        phone: '+33612000004',
      });
      const bytes = Buffer.from('BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n');
      const sha = await h.ctx.writer.run((unit) =>
        putBlob(unit.db, bytes, 'text/calendar', unit.now),
      );
      const attachment = {
        name: 'visit.ics',
        contentType: 'text/calendar',
        size: bytes.length,
        id: sha,
      };
      const result = await tell(conversationId, {
        notice: { subject: 'Your visit', text: 'Monday.', attachments: [attachment] },
      });
      const email = result.sent.find((s) => s.channel === 'email')!.interaction;
      const sms = result.sent.find((s) => s.channel === 'sms')!.interaction;
      assert.deepEqual(JSON.parse(email.attachments), [attachment]);
      assert.equal(sms.attachments, '[]');
    });

    test('a rolled-back change tells nobody', async () => {
      const { conversationId } = await caseFor({ email: `g${n}@example.com` });
      await assert.rejects(
        h.ctx.writer.run(async (unit) => {
          await notifyCustomer(unit, undefined, {
            conversationId,
            channels: ['email'],
            mode: 'all',
            notice: { subject: 'x', text: 'x' },
            actor: systemActor,
          });
          throw new Error('the visit failed');
        }),
        /the visit failed/,
      );
      const messages = await h.ctx.store.db
        .selectFrom('interactions')
        .select('id')
        .where('conversation_id', '=', conversationId)
        .execute();
      assert.deepEqual(messages, []);
    });
  });
}
