import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { json, startHarness, type Harness } from '../../test/harness.ts';
import { testDatabases } from '../../test/databases.ts';
import type { WaitingCase } from './waiting-cases.ts';

for (const database of await testDatabases()) {
  describe(`the work list on ${database.name}`, { skip: database.skip }, () => {
    let h: Harness;
    let advisor: string;
    let techAdvisor: string;

    before(async () => {
      // Replies leave through the test gateway: a case is answered once its reply was sent.
      h = await startHarness(await database.open(), { gateway: true });
      advisor = await h.signIn(h.fixture.people.advisor.email);
      techAdvisor = await h.signIn(h.fixture.people.techAdvisor.email);
    });
    after(() => h.close());

    const inbound = async (payload: Record<string, unknown>) =>
      json<{ conversationId: number }>(
        await h.app.inject({
          method: 'POST',
          url: '/api/interactions/inbound',
          headers: { authorization: `Bearer ${h.fixture.gatewayToken}` },
          payload,
        }),
      );
    const work = async (query: string, cookie = advisor) => {
      const response = await h.app.inject({
        method: 'GET',
        url: `/api/desk/work?${query}`,
        headers: { cookie },
      });
      assert.equal(response.statusCode, 200, response.body);
      return json<{ items: WaitingCase[]; total: number }>(response);
    };

    test('waiting work comes earliest deadline first, whatever the channel', async () => {
      const email = await inbound({
        kind: 'email',
        from: { email: 'ines@example.com', name: 'Inès' },
        text: 'Invoice wrong',
      });
      h.clock.advance(30_000);
      const chat = await inbound({
        kind: 'chat_message',
        from: { email: 'bruno@example.com', name: 'Bruno' },
        text: 'Hello?',
      });
      const { items, total } = await work('view=waiting');
      assert.equal(total, 2);
      // The chat arrived later but its 60 s promise runs out long before the email's 4 h.
      assert.deepEqual(
        items.map((i) => i.conversationId),
        [chat.conversationId, email.conversationId],
      );
      assert.equal(items[0]!.customerName, 'Bruno');
      assert.equal(Date.parse(items[0]!.deadline!) - Date.parse(items[0]!.waitingSince!), 60_000);
      assert.deepEqual(
        (await work('view=waiting&channel=email')).items.map((i) => i.conversationId),
        [email.conversationId],
      );
    });

    test('an answered case leaves the waiting list and stays in my cases', async () => {
      const { items } = await work('view=waiting&channel=chat');
      const id = items[0]!.conversationId;
      const reply = await h.app.inject({
        method: 'POST',
        url: `/api/conversations/${id}/interactions`,
        headers: { cookie: advisor },
        payload: { kind: 'chat_message', text: 'Hi!' },
      });
      assert.equal(reply.statusCode, 201);
      const replyId = json<{ id: number }>(reply).id;
      for (let i = 0; ; i++) {
        const row = await h.ctx.store.db
          .selectFrom('interactions')
          .select('delivery_state')
          .where('id', '=', replyId)
          .executeTakeFirstOrThrow();
        if (row.delivery_state === 'sent') break;
        if (i > 1000) throw new Error('the reply was never sent');
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      assert.equal((await work('view=waiting&channel=chat')).total, 0);
      const mine = await work('view=mine');
      assert.deepEqual(
        mine.items.map((i) => [i.conversationId, i.status, i.waitingSince]),
        [[id, 'pending_customer', null]],
      );
    });

    test('an advisor sees only their scope; bad filters are refused', async () => {
      assert.equal((await work('view=waiting', techAdvisor)).total, 0);
      assert.equal(
        (
          await h.app.inject({
            method: 'GET',
            url: '/api/desk/work?view=all',
            headers: { cookie: advisor },
          })
        ).statusCode,
        400,
      );
      assert.equal(
        (
          await h.app.inject({
            method: 'GET',
            url: '/api/desk/work?view=mine&colour=red',
            headers: { cookie: advisor },
          })
        ).statusCode,
        400,
      );
      assert.equal(
        (await h.app.inject({ method: 'GET', url: '/api/desk/work?view=mine' })).statusCode,
        401,
      );
    });
  });
}
