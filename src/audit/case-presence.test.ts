import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { json, startHarness, type Harness } from '../../test/harness.ts';
import { testDatabases } from '../../test/databases.ts';
import type { DomainEvent } from '../platform/events/event.ts';
import type { CasePresence, CasePresenceChange } from '../api-types/collision.ts';
import { presenceLifetimeMs, typingLifetimeMs } from './case-presence.ts';

for (const database of await testDatabases()) {
  describe(`who else is on a case, on ${database.name}`, { skip: database.skip }, () => {
    let h: Harness;
    let advisor: string;
    let supervisor: string;
    let outsider: string;
    let conversationId: number;
    const heard: CasePresenceChange[] = [];

    before(async () => {
      h = await startHarness(await database.open());
      advisor = await h.signIn(h.fixture.people.advisor.email);
      supervisor = await h.signIn(h.fixture.people.supervisor.email);
      outsider = await h.signIn(h.fixture.people.techAdvisor.email);
      h.ctx.bus.subscribe((event: DomainEvent) => {
        if (event.type === 'case.presence') heard.push(event.after as CasePresenceChange);
      });
      const inbound = await h.app.inject({
        method: 'POST',
        url: '/api/interactions/inbound',
        headers: { authorization: `Bearer ${h.fixture.gatewayToken}` },
        payload: {
          kind: 'email',
          from: { email: 'ines@example.com' },
          text: 'Where is my order?',
          teamId: h.fixture.teams.care,
        },
      });
      assert.equal(inbound.statusCode, 201, inbound.body);
      conversationId = json<{ conversationId: number }>(inbound).conversationId;
    });
    after(() => h.close());

    const say = (cookie: string, typing: boolean) =>
      h.app.inject({
        method: 'PUT',
        url: `/api/conversations/${conversationId}/presence`,
        headers: { cookie },
        payload: { typing },
      });
    const present = async (cookie: string) => {
      const response = await h.app.inject({
        method: 'GET',
        url: `/api/conversations/${conversationId}/presence`,
        headers: { cookie },
      });
      assert.equal(response.statusCode, 200, response.body);
      return json<{ items: CasePresence[] }>(response).items;
    };

    test('an advisor opening a case is seen by a colleague, typing too, and the bus carries each change', async () => {
      const joined = await say(advisor, false);
      assert.equal(joined.statusCode, 200, joined.body);
      const seen = await present(supervisor);
      assert.deepEqual(
        seen.map((p) => [p.name, p.typing]),
        [['Advisor', false]],
      );
      assert.equal(seen[0]?.expiresInMs, presenceLifetimeMs);

      const typing = await say(advisor, true);
      assert.equal(typing.statusCode, 200, typing.body);
      assert.deepEqual(
        (await present(supervisor)).map((p) => [p.name, p.typing]),
        [['Advisor', true]],
      );
      // The supervisor joins: the answer lists both.
      const both = json<{ items: CasePresence[] }>(await say(supervisor, false)).items;
      assert.deepEqual(both.map((p) => p.name).sort(), ['Advisor', 'Supervisor']);

      const last = heard.filter((c) => c.conversationId === conversationId).slice(-3);
      assert.deepEqual(
        last.map((c) => [c.name, c.present, c.typing]),
        [
          ['Advisor', true, false],
          ['Advisor', true, true],
          ['Supervisor', true, false],
        ],
      );
    });

    test('typing fades after a few seconds and a browser that went away drops out by itself', async () => {
      await say(advisor, true);
      h.clock.advance(typingLifetimeMs + 1);
      const stillViewing = (await present(supervisor)).find((p) => p.name === 'Advisor');
      assert.equal(stillViewing?.typing, false);
      // Nothing more from the advisor's browser (closed, asleep): gone after the lifetime.
      await say(supervisor, false);
      h.clock.advance(presenceLifetimeMs - typingLifetimeMs);
      assert.deepEqual(
        (await present(supervisor)).map((p) => p.name),
        ['Supervisor'],
      );
      const rows = await h.ctx.store.db
        .selectFrom('case_presence')
        .select('advisor_id')
        .where('conversation_id', '=', conversationId)
        .execute();
      // The expired row is cleared the next time anyone says they are on a case.
      await say(supervisor, false);
      const after = await h.ctx.store.db
        .selectFrom('case_presence')
        .select('advisor_id')
        .where('conversation_id', '=', conversationId)
        .execute();
      assert.equal(rows.length, 2);
      assert.deepEqual(
        after.map((r) => Number(r.advisor_id)),
        [h.fixture.people.supervisor.id],
      );
    });

    test('leaving a case removes the advisor at once and tells the others', async () => {
      await say(advisor, false);
      const left = await h.app.inject({
        method: 'DELETE',
        url: `/api/conversations/${conversationId}/presence`,
        headers: { cookie: advisor },
      });
      assert.equal(left.statusCode, 204, left.body);
      assert.deepEqual(
        (await present(supervisor)).map((p) => p.name),
        ['Supervisor'],
      );
      const change = heard.at(-1);
      assert.equal(change?.name, 'Advisor');
      assert.equal(change?.present, false);
    });

    test('an advisor of another team neither sees nor joins the case, and the body is checked', async () => {
      const peek = await h.app.inject({
        method: 'GET',
        url: `/api/conversations/${conversationId}/presence`,
        headers: { cookie: outsider },
      });
      assert.equal(peek.statusCode, 404);
      assert.equal((await say(outsider, true)).statusCode, 404);
      const bad = await h.app.inject({
        method: 'PUT',
        url: `/api/conversations/${conversationId}/presence`,
        headers: { cookie: advisor },
        payload: { typing: 'yes' },
      });
      assert.equal(bad.statusCode, 400);
      assert.match(bad.body, /typing/);
    });
  });
}
