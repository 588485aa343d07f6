import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { json, startHarness, type Harness } from '../../test/harness.ts';
import { testDatabases } from '../../test/databases.ts';

for (const database of await testDatabases()) {
  describe(`a send on a case that moved on, on ${database.name}`, { skip: database.skip }, () => {
    let h: Harness;
    let advisor: string;
    let supervisor: string;

    before(async () => {
      h = await startHarness(await database.open());
      advisor = await h.signIn(h.fixture.people.advisor.email);
      supervisor = await h.signIn(h.fixture.people.supervisor.email);
    });
    after(() => h.close());

    const inbound = async (email: string, text: string) => {
      const response = await h.app.inject({
        method: 'POST',
        url: '/api/interactions/inbound',
        headers: { authorization: `Bearer ${h.fixture.gatewayToken}` },
        payload: { kind: 'email', from: { email }, text, teamId: h.fixture.teams.care },
      });
      assert.equal(response.statusCode, 201, response.body);
      return json<{ conversationId: number; interactionId: number }>(response);
    };
    const send = (cookie: string, conversationId: number, body: Record<string, unknown>) =>
      h.app.inject({
        method: 'POST',
        url: `/api/conversations/${conversationId}/interactions`,
        headers: { cookie },
        payload: { kind: 'email', text: 'We are on it.', ...body },
      });
    const stored = async (conversationId: number) =>
      (
        await h.ctx.store.db
          .selectFrom('interactions')
          .select('id')
          .where('conversation_id', '=', conversationId)
          .where('direction', '=', 'outbound')
          .execute()
      ).length;

    test('a colleague replied since I read the case: my send is a 409 naming them, and nothing is stored', async () => {
      const first = await inbound('pia@example.com', 'My order is late');
      const theirs = await send(supervisor, first.conversationId, {
        lastSeenInteractionId: first.interactionId,
      });
      assert.equal(theirs.statusCode, 201, theirs.body);
      const mine = await send(advisor, first.conversationId, {
        lastSeenInteractionId: first.interactionId,
      });
      assert.equal(mine.statusCode, 409, mine.body);
      assert.match(String(mine.headers['content-type']), /application\/problem\+json/);
      const problem = json<{ type: string; detail: string }>(mine);
      assert.equal(problem.type, 'https://rapport.dev/problems/case-moved-on');
      assert.match(problem.detail, /Supervisor wrote on the case/);
      assert.match(problem.detail, /send anyway/);
      assert.equal(await stored(first.conversationId), 1);

      // Confirmed: "send anyway" goes out.
      const anyway = await send(advisor, first.conversationId, {
        lastSeenInteractionId: first.interactionId,
        sendAnyway: true,
      });
      assert.equal(anyway.statusCode, 201, anyway.body);
      assert.equal(await stored(first.conversationId), 2);
    });

    test('the customer wrote again meanwhile: refused; having read it, the send goes; my own replies never count', async () => {
      const first = await inbound('oskar@example.com', 'Hello?');
      const again = await inbound('oskar@example.com', 'Anyone there?');
      assert.equal(again.conversationId, first.conversationId);
      const refused = await send(advisor, first.conversationId, {
        lastSeenInteractionId: first.interactionId,
      });
      assert.equal(refused.statusCode, 409, refused.body);
      assert.match(json<{ detail: string }>(refused).detail, /the customer wrote 1 message/);

      const sent = await send(advisor, first.conversationId, {
        lastSeenInteractionId: again.interactionId,
      });
      assert.equal(sent.statusCode, 201, sent.body);
      // My own reply since what I saw is not news to me.
      const more = await send(advisor, first.conversationId, {
        lastSeenInteractionId: again.interactionId,
        text: 'One more thing.',
      });
      assert.equal(more.statusCode, 201, more.body);
      // A note is not a send: it is never held back.
      const note = await send(advisor, first.conversationId, {
        kind: 'note',
        lastSeenInteractionId: 0,
      });
      assert.equal(note.statusCode, 201, note.body);
      // Without the field (an integration, an older desk) nothing is checked.
      const unchecked = await send(supervisor, first.conversationId, {});
      assert.equal(unchecked.statusCode, 201, unchecked.body);
    });

    test('a chat reply is not held back by the visitor’s own chat messages, only by a colleague', async () => {
      const chat = async (text: string) => {
        const response = await h.app.inject({
          method: 'POST',
          url: '/api/interactions/inbound',
          headers: { authorization: `Bearer ${h.fixture.gatewayToken}` },
          payload: {
            kind: 'chat_message',
            from: { email: 'chatty@example.com' },
            text,
            teamId: h.fixture.teams.care,
          },
        });
        return json<{ conversationId: number; interactionId: number }>(response);
      };
      const first = await chat('Hi');
      assert.equal((await chat('Are you there?')).conversationId, first.conversationId);
      const reply = (cookie: string) =>
        send(cookie, first.conversationId, {
          kind: 'chat_message',
          text: 'Yes, here.',
          lastSeenInteractionId: first.interactionId,
        });
      assert.equal((await reply(advisor)).statusCode, 201);
      const colleague = await send(supervisor, first.conversationId, {
        kind: 'chat_message',
        text: 'I take over.',
      });
      assert.equal(colleague.statusCode, 201, colleague.body);
      assert.equal((await reply(advisor)).statusCode, 409);
    });

    test('a case out of my scope is a 404 before any check', async () => {
      const tech = await h.app.inject({
        method: 'POST',
        url: '/api/interactions/inbound',
        headers: { authorization: `Bearer ${h.fixture.gatewayToken}` },
        payload: {
          kind: 'email',
          from: { email: 'tech@example.com' },
          text: 'Broken',
          teamId: h.fixture.teams.tech,
        },
      });
      const { conversationId } = json<{ conversationId: number }>(tech);
      const response = await send(advisor, conversationId, { lastSeenInteractionId: 0 });
      assert.equal(response.statusCode, 404, response.body);
    });
  });
}
