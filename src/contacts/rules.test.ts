import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, type Harness } from '../../test/harness.ts';
import { testDatabases } from '../../test/databases.ts';
import { autoSendLimitPerHour, isAutomatedContact, mayAutoSend } from './rules.ts';

describe('the loop guard, as pure rules', () => {
  const contact = { kind: 'email' as const, from: { email: 'Ada@Example.com' }, text: 'Hi' };
  test('auto-replies, bulk mail and our own address are automated; a person writing is not', () => {
    assert.equal(isAutomatedContact(contact, undefined, 'FR'), false);
    assert.equal(isAutomatedContact({ ...contact, automated: true }, undefined, 'FR'), true);
    const marks: Record<string, string>[] = [
      { 'auto-submitted': 'auto-replied' },
      { 'auto-submitted': 'auto-generated' },
      { precedence: 'bulk' },
      { precedence: 'list' },
    ];
    for (const headers of marks)
      assert.equal(isAutomatedContact({ ...contact, headers }, undefined, 'FR'), true);
    assert.equal(
      isAutomatedContact({ ...contact, headers: { 'auto-submitted': 'no' } }, undefined, 'FR'),
      false,
    );
    assert.equal(isAutomatedContact(contact, 'ada@example.com', 'FR'), true, 'our own mailbox');
    assert.equal(
      isAutomatedContact(
        { kind: 'sms', from: { phone: '06 12 34 56 78' }, text: 'Hi' },
        '+33612345678',
        'FR',
      ),
      true,
      'our own number, written locally',
    );
    assert.equal(isAutomatedContact(contact, 'care@rapport.test', 'FR'), false);
  });
});

for (const database of await testDatabases()) {
  describe(`the cap on automatic messages on ${database.name}`, { skip: database.skip }, () => {
    let h: Harness;
    before(async () => {
      h = await startHarness(await database.open());
    });
    after(() => h.close());

    test('a customer gets at most the hourly limit of automatic messages per channel; an hour later, more', async () => {
      const customerId = await h.ctx.writer.run(async (unit) => {
        const customer = await unit.db
          .insertInto('customers')
          .values({
            display_name: 'Auto',
            language: null,
            consent: '{}',
            owner_id: null,
            last_advisor_id: null,
            merged_into_id: null,
            erased_at: null,
            search_text: 'auto',
            created_at: unit.now,
            updated_at: unit.now,
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        const conversation = await unit.db
          .insertInto('conversations')
          .values({
            customer_id: customer.id,
            subject: 'Auto',
            status: 'open',
            owner_id: null,
            team_id: null,
            shop_id: null,
            priority: 'normal',
            origin_channel: 'sms',
            created_at: unit.now,
            updated_at: unit.now,
            last_interaction_at: unit.now,
            resolved_at: null,
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        for (let i = 0; i < autoSendLimitPerHour; i++)
          await unit.db
            .insertInto('interactions')
            .values({
              conversation_id: conversation.id,
              customer_id: customer.id,
              channel: 'sms',
              kind: 'sms',
              direction: 'outbound',
              author_type: 'system',
              author_id: null,
              text: `Reminder ${i}`,
              html: null,
              attachments: '[]',
              provider: null,
              provider_id: null,
              is_private: 0,
              delivery_state: 'sent',
              created_at: unit.now - i * 60_000,
              sent_at: unit.now - i * 60_000,
              delivery_reason: null,
              automated: 1,
            })
            .execute();
        return customer.id;
      });
      const now = h.clock.now();
      assert.equal(await mayAutoSend(h.ctx.store.db, customerId, 'sms', now), false);
      assert.equal(await mayAutoSend(h.ctx.store.db, customerId, 'email', now), true);
      assert.equal(
        await mayAutoSend(h.ctx.store.db, customerId, 'sms', now + 3_600_000 - 120_000 - 1),
        false,
        'all three are still within the hour',
      );
      assert.equal(
        await mayAutoSend(h.ctx.store.db, customerId, 'sms', now + 3_600_000 - 120_000 + 1),
        true,
        'the oldest has left the hour',
      );
    });
  });
}
