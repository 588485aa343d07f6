import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, type Harness } from '../../test/harness.ts';
import { testDatabases } from '../../test/databases.ts';
import type { Viewer } from '../advisors/access.ts';
import { changeCase, receiveContact, sendReply } from './contacts.ts';

// These call the domain operations directly, as an SMTP server or a provider's webhook would.
for (const database of await testDatabases()) {
  describe(`contacts in and answers out on ${database.name}`, { skip: database.skip }, () => {
    let h: Harness;
    let supervisor: Viewer;
    const channel = { type: 'channel' as const, id: null };

    before(async () => {
      h = await startHarness(await database.open());
      const person = h.fixture.people.supervisor;
      supervisor = {
        id: person.id,
        role: person.role,
        teamId: h.fixture.teams.care,
        shopId: null,
        name: 'Supervisor',
      };
    });
    after(() => h.close());

    const liveWork = (conversationId: number) =>
      h.ctx.store.db
        .selectFrom('work_items')
        .select(['id', 'status'])
        .where('conversation_id', '=', conversationId)
        .where('status', 'in', ['waiting', 'offered', 'assigned'])
        .execute();
    const events = (type: string) =>
      h.ctx.store.db.selectFrom('events').select('id').where('type', '=', type).execute();
    const receive = (providerId: string) =>
      h.ctx.writer.run((unit) =>
        receiveContact(
          unit,
          {
            kind: 'email',
            from: { email: 'noor@example.com', name: 'Noor' },
            text: 'My parcel never came',
            provider: 'smtp',
            providerId,
          },
          { defaultRegion: 'FR', actor: channel, dialect: h.ctx.store.dialect },
        ),
      );

    test('a received contact is stored, evented and queued for routing in one unit', async () => {
      const received = (await events('interaction.received')).length;
      const result = await receive('<m1@example.com>');
      assert.equal(result.duplicate, false);
      assert.equal((await liveWork(result.conversationId)).length, 1);
      assert.equal((await events('interaction.received')).length, received + 1);
    });

    test('a re-delivered contact returns the stored one and queues nothing more', async () => {
      const first = await receive('<m2@example.com>');
      const again = await receive('<m2@example.com>');
      assert.equal(again.duplicate, true);
      assert.equal(again.interactionId, first.interactionId);
      assert.equal((await liveWork(first.conversationId)).length, 1);
    });

    test('a contact from the very account it names is our own echo: stored as automated, never routed', async () => {
      const echo = await h.ctx.writer.run((unit) =>
        receiveContact(
          unit,
          {
            kind: 'email',
            from: { email: 'care@test.rapport' },
            text: 'Your parcel is on its way',
            accountId: h.fixture.accounts.email,
            provider: 'smtp',
            providerId: '<echo-1@test.rapport>',
          },
          { defaultRegion: 'FR', actor: channel, dialect: h.ctx.store.dialect },
        ),
      );
      assert.equal(echo.automated, true);
      assert.equal((await liveWork(echo.conversationId)).length, 0);
    });

    test('a reply finishes the routed work; a note leaves it waiting', async () => {
      const { conversationId } = await receive('<m3@example.com>');
      const actor = { type: 'advisor' as const, id: supervisor.id };
      await h.ctx.writer.run((unit) =>
        sendReply(unit, conversationId, { kind: 'note', text: 'Checking' }, supervisor, actor),
      );
      assert.equal((await liveWork(conversationId)).length, 1);
      const reply = await h.ctx.writer.run((unit) =>
        sendReply(unit, conversationId, { kind: 'email', text: 'On its way' }, supervisor, actor),
      );
      assert.match(reply.text, /On its way\n\n— Supervisor/, 'email replies are signed');
      assert.equal((await liveWork(conversationId)).length, 0);
    });

    test('a snoozed case leaves the queue and comes back when woken early', async () => {
      const { conversationId } = await receive('<m4@example.com>');
      const actor = { type: 'advisor' as const, id: supervisor.id };
      await h.ctx.writer.run((unit) =>
        changeCase(
          unit,
          conversationId,
          { snoozedUntil: h.clock.now() + 3_600_000 },
          supervisor,
          actor,
        ),
      );
      assert.equal((await liveWork(conversationId)).length, 0);
      const woken = await h.ctx.writer.run((unit) =>
        changeCase(unit, conversationId, { snoozedUntil: null }, supervisor, actor),
      );
      assert.equal(woken.snoozedUntil, null);
      assert.equal((await liveWork(conversationId)).length, 1);
      await h.ctx.writer.run((unit) =>
        changeCase(unit, conversationId, { status: 'resolved' }, supervisor, actor),
      );
      assert.equal((await liveWork(conversationId)).length, 0);
    });
  });
}
