import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { json, startHarness, type Harness } from '../../test/harness.ts';
import { testDatabases } from '../../test/databases.ts';
import type { ViewCase, ViewSummary } from '../api-types/views.ts';

interface Problem {
  status: number;
  errors?: Array<{ field: string; reason: string }>;
}

for (const database of await testDatabases()) {
  describe(`the desk's views on ${database.name}`, { skip: database.skip }, () => {
    let h: Harness;
    const cookies = {} as Record<'advisor' | 'techAdvisor' | 'supervisor' | 'shopAdvisor', string>;

    before(async () => {
      h = await startHarness(await database.open(), { gateway: true });
      for (const who of ['advisor', 'techAdvisor', 'supervisor', 'shopAdvisor'] as const)
        cookies[who] = await h.signIn(h.fixture.people[who].email);
    });
    after(() => h.close());

    const as = (who: keyof typeof cookies) => ({ cookie: cookies[who] });
    const inbound = async (payload: Record<string, unknown>) => {
      h.clock.advance(1000);
      const response = await h.app.inject({
        method: 'POST',
        url: '/api/interactions/inbound',
        headers: { authorization: `Bearer ${h.fixture.gatewayToken}` },
        payload,
      });
      assert.equal(response.statusCode, 201, response.body);
      return json<{ conversationId: number; customerId: number }>(response);
    };
    const views = async (who: keyof typeof cookies) => {
      const response = await h.app.inject({ method: 'GET', url: '/api/views', headers: as(who) });
      assert.equal(response.statusCode, 200, response.body);
      return new Map(json<{ items: ViewSummary[] }>(response).items.map((v) => [v.key, v]));
    };
    const cases = async (who: keyof typeof cookies, query: string) => {
      const response = await h.app.inject({
        method: 'GET',
        url: `/api/views/cases?${query}`,
        headers: as(who),
      });
      assert.equal(response.statusCode, 200, response.body);
      return json<{ items: ViewCase[]; nextCursor: string | null }>(response);
    };
    const readState = (who: keyof typeof cookies, id: number, unread: boolean) =>
      h.app.inject({
        method: 'PUT',
        url: `/api/conversations/${id}/read-state`,
        headers: as(who),
        payload: { unread },
      });

    let care: number;
    let tech: number;

    test('each view counts only the cases in the viewer’s scope, with their unread ones', async () => {
      care = (
        await inbound({
          kind: 'email',
          from: { email: 'ines@example.com', name: 'Inès' },
          text: 'My bill is wrong',
          teamId: h.fixture.teams.care,
        })
      ).conversationId;
      tech = (
        await inbound({
          kind: 'email',
          from: { email: 'theo@example.com', name: 'Théo' },
          text: 'My router blinks',
          teamId: h.fixture.teams.tech,
        })
      ).conversationId;
      const mine = await views('advisor');
      assert.deepEqual([...mine.keys()].slice(0, 5), [
        'all',
        'team',
        'unassigned',
        'mine',
        'resolved',
      ]);
      assert.deepEqual(
        [mine.get('all')?.count, mine.get('all')?.unread],
        [1, 1],
        'the Care advisor sees the Care case only, unread',
      );
      assert.equal(mine.get('unassigned')?.count, 1);
      assert.equal(mine.get('mine')?.count, 0);
      assert.equal((await views('techAdvisor')).get('team')?.count, 1);
      assert.equal((await views('supervisor')).get('all')?.count, 2, 'a supervisor sees all');
      assert.equal((await views('shopAdvisor')).get('all')?.count, 0, 'a shop sees its shop');
      const listed = await cases('advisor', 'view=all');
      assert.deepEqual(
        listed.items.map((c) => [c.conversationId, c.unread]),
        [[care, true]],
      );
      const refused = await h.app.inject({
        method: 'GET',
        url: '/api/views/cases',
        headers: as('advisor'),
      });
      assert.equal(refused.statusCode, 422);
      assert.equal(json<Problem>(refused).errors?.[0]?.field, 'view');
    });

    test('a case stays unread until I open or answer it, and a new message makes it unread again', async () => {
      assert.equal((await readState('advisor', care, false)).statusCode, 204);
      assert.equal((await views('advisor')).get('all')?.unread, 0);
      assert.equal((await views('supervisor')).get('all')?.unread, 2, 'read state is per advisor');
      await inbound({
        kind: 'email',
        from: { email: 'ines@example.com', name: 'Inès' },
        text: 'Any news?',
        conversationId: care,
      });
      assert.equal((await views('advisor')).get('all')?.unread, 1, 'the customer wrote again');
      const answered = await h.app.inject({
        method: 'POST',
        url: `/api/conversations/${care}/interactions`,
        headers: as('advisor'),
        payload: { kind: 'email', text: 'We are on it.' },
      });
      assert.equal(answered.statusCode, 201, answered.body);
      const afterReply = await views('advisor');
      assert.equal(afterReply.get('all')?.unread, 0, 'answering reads the case');
      assert.equal(afterReply.get('mine')?.count, 1, 'the reply made it mine');
      assert.equal((await readState('advisor', care, true)).statusCode, 204);
      assert.equal((await views('advisor')).get('mine')?.unread, 1, 'marked unread');
      const states = await h.app.inject({
        method: 'GET',
        url: `/api/read-states?ids=${care},${tech}`,
        headers: as('advisor'),
      });
      assert.deepEqual(json(states), { unread: [care] }, 'another team’s case is not told');
      assert.equal((await readState('advisor', tech, true)).statusCode, 404);
    });

    test('saved views: validated in plain words, kept per advisor, shared with a team', async () => {
      const save = (who: keyof typeof cookies, payload: Record<string, unknown>) =>
        h.app.inject({ method: 'POST', url: '/api/views', headers: as(who), payload });
      const problem = async (payload: Record<string, unknown>, status: number, field: string) => {
        const response = await save('advisor', payload);
        assert.equal(response.statusCode, status, response.body);
        assert.match(String(response.headers['content-type']), /problem\+json/);
        assert.equal(json<Problem>(response).errors?.[0]?.field, field, response.body);
      };
      await problem({ name: '   ', filters: {} }, 422, 'name');
      await problem({ name: 'Tech', filters: { teamId: 999_999 } }, 422, 'filters.teamId');
      await problem({ name: 'Odd', filters: { status: 'sleeping' } }, 400, 'filters.status');
      await problem(
        { name: 'Theirs', filters: {}, sharedTeamId: h.fixture.teams.tech },
        422,
        'sharedTeamId',
      );
      const created = await save('advisor', {
        name: 'Billing, urgent first',
        filters: { tag: 'Billing', channel: 'email', ownerId: 'me' },
        sharedTeamId: h.fixture.teams.care,
      });
      assert.equal(created.statusCode, 201, created.body);
      const saved = json<{ id: number; filters: Record<string, unknown> }>(created);
      assert.deepEqual(saved.filters, { channel: 'email', ownerId: 'me', tag: 'billing' });
      assert.equal(
        (await save('advisor', { name: 'Billing, urgent first', filters: {} })).statusCode,
        409,
      );
      await h.app.inject({
        method: 'PUT',
        url: `/api/conversations/${care}/tags`,
        headers: as('advisor'),
        payload: { tags: ['billing'] },
      });
      const view = (await views('advisor')).get(`saved:${saved.id}`);
      assert.deepEqual([view?.name, view?.count, view?.own], ['Billing, urgent first', 1, true]);
      const shared = (await views('supervisor')).get(`saved:${saved.id}`);
      assert.deepEqual(
        [shared?.own, shared?.count],
        [false, 0],
        'shared with Care; "me" is the supervisor there',
      );
      assert.equal((await views('techAdvisor')).has(`saved:${saved.id}`), false);
      const theirs = await h.app.inject({
        method: 'GET',
        url: `/api/views/cases?savedViewId=${saved.id}`,
        headers: as('techAdvisor'),
      });
      assert.equal(theirs.statusCode, 404);
      const notMine = await h.app.inject({
        method: 'DELETE',
        url: `/api/views/${saved.id}`,
        headers: as('supervisor'),
      });
      assert.equal(notMine.statusCode, 404, 'only its maker deletes a view');
      const deleted = await h.app.inject({
        method: 'DELETE',
        url: `/api/views/${saved.id}`,
        headers: as('advisor'),
      });
      assert.equal(deleted.statusCode, 204);
    });

    test('a long view pages with a cursor, each case once', async () => {
      for (const n of [1, 2, 3])
        await inbound({
          kind: 'sms',
          from: { phone: `+3361234567${n}`, name: `Page ${n}` },
          text: `Hello ${n}`,
          teamId: h.fixture.teams.care,
        });
      const seen: number[] = [];
      let cursor: string | null = null;
      do {
        const page = await cases('advisor', `view=all&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
        assert.ok(page.items.length <= 2);
        seen.push(...page.items.map((c) => c.conversationId));
        cursor = page.nextCursor;
      } while (cursor);
      assert.equal(seen.length, 4);
      assert.equal(new Set(seen).size, 4);
      assert.equal((await views('advisor')).get('all')?.count, 4);
    });

    test('an advisor starts a case with a first SMS, sent through the send queue', async () => {
      const made = await h.app.inject({
        method: 'POST',
        url: '/api/customers',
        headers: as('advisor'),
        payload: { displayName: 'Nora New', contact: { phone: '+33611112222' } },
      });
      assert.equal(made.statusCode, 201, made.body);
      const customerId = json<{ id: number }>(made).id;
      await h.app.inject({
        method: 'PUT',
        url: `/api/customers/${customerId}/consent`,
        headers: as('advisor'),
        payload: { sms: true, email: true },
      });
      const noEmail = await h.app.inject({
        method: 'POST',
        url: '/api/cases',
        headers: as('advisor'),
        payload: { customerId, subject: 'Your order', channel: 'email', message: { text: 'Hi' } },
      });
      assert.equal(noEmail.statusCode, 422, 'she has no email address');
      const started = await h.app.inject({
        method: 'POST',
        url: '/api/cases',
        headers: { ...as('advisor'), 'idempotency-key': 'start-nora' },
        payload: {
          customerId,
          subject: 'Your order',
          channel: 'sms',
          message: { text: 'Your order is ready.' },
        },
      });
      assert.equal(started.statusCode, 201, started.body);
      const body = json<{
        conversation: { id: number; ownerId: number; teamId: number };
        interaction: { id: number; to: string; deliveryState: string };
      }>(started);
      assert.equal(body.conversation.ownerId, h.fixture.people.advisor.id);
      assert.equal(body.conversation.teamId, h.fixture.teams.care);
      assert.equal(body.interaction.to, '+33611112222');
      const job = await h.ctx.store.db
        .selectFrom('jobs')
        .select(['type', 'key'])
        .where('key', '=', `send:${body.interaction.id}`)
        .executeTakeFirst();
      assert.equal(job?.type, 'channel.send', 'the first message is in the send queue');
      const again = await h.app.inject({
        method: 'POST',
        url: '/api/cases',
        headers: { ...as('advisor'), 'idempotency-key': 'start-nora' },
        payload: {
          customerId,
          subject: 'Your order',
          channel: 'sms',
          message: { text: 'Your order is ready.' },
        },
      });
      assert.equal(json<typeof body>(again).conversation.id, body.conversation.id);
      const count = await h.ctx.store.db
        .selectFrom('conversations')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('customer_id', '=', customerId)
        .executeTakeFirstOrThrow();
      assert.equal(Number(count.n), 1, 'a retried start opens one case');
      const other = await h.app.inject({
        method: 'POST',
        url: '/api/cases',
        headers: as('techAdvisor'),
        payload: { customerId, subject: 'Mine now', channel: 'sms' },
      });
      assert.equal(other.statusCode, 422, 'another team’s customer is no such customer');
      const visit = await h.app.inject({
        method: 'POST',
        url: '/api/cases',
        headers: as('advisor'),
        payload: { customerId, subject: 'At the shop', channel: 'shop', message: { text: 'x' } },
      });
      assert.equal(json<Problem>(visit).errors?.[0]?.field, 'channel');
    });

    test('a call and a shop visit are logged on the case, on its timeline', async () => {
      const call = await h.app.inject({
        method: 'POST',
        url: `/api/conversations/${care}/logged-calls`,
        headers: as('advisor'),
        payload: {
          direction: 'outbound',
          durationSeconds: 240,
          outcome: 'follow-up',
          notes: 'Called back about the bill',
        },
      });
      assert.equal(call.statusCode, 201, call.body);
      const visit = await h.app.inject({
        method: 'POST',
        url: `/api/conversations/${care}/logged-visits`,
        headers: as('advisor'),
        payload: { shopId: h.fixture.shopId, notes: 'Brought the old router back' },
      });
      assert.equal(visit.statusCode, 201, visit.body);
      const listed = await h.app.inject({
        method: 'GET',
        url: `/api/conversations/${care}/interactions`,
        headers: as('advisor'),
      });
      const items = json<{
        items: Array<{
          kind: string;
          direction: string;
          text: string;
          call?: { durationSeconds: number; wrapUp: { outcome: string; notes: string } | null };
        }>;
      }>(listed).items;
      const loggedCall = items.find((i) => i.kind === 'call');
      assert.equal(loggedCall?.direction, 'outbound');
      assert.equal(loggedCall?.call?.durationSeconds, 240);
      assert.deepEqual(loggedCall?.call?.wrapUp && { ...loggedCall.call.wrapUp }, {
        ...loggedCall?.call?.wrapUp,
        outcome: 'follow-up',
        notes: 'Called back about the bill',
      });
      assert.equal(
        items.find((i) => i.kind === 'shop_visit')?.text,
        'Visit at Lyon: Brought the old router back',
      );
      const badShop = await h.app.inject({
        method: 'POST',
        url: `/api/conversations/${care}/logged-visits`,
        headers: as('advisor'),
        payload: { shopId: 999_999, notes: '' },
      });
      assert.equal(json<Problem>(badShop).errors?.[0]?.field, 'shopId');
      const badOutcome = await h.app.inject({
        method: 'POST',
        url: `/api/conversations/${care}/logged-calls`,
        headers: as('advisor'),
        payload: { direction: 'inbound', durationSeconds: 10, outcome: 'maybe', notes: '' },
      });
      assert.equal(badOutcome.statusCode, 400);
      const outOfScope = await h.app.inject({
        method: 'POST',
        url: `/api/conversations/${care}/logged-calls`,
        headers: as('techAdvisor'),
        payload: { direction: 'inbound', durationSeconds: 10, outcome: 'resolved', notes: '' },
      });
      assert.equal(outOfScope.statusCode, 404);
    });
  });
}
