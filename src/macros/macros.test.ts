import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { json, startHarness, type Harness } from '../../test/harness.ts';
import { testDatabases } from '../../test/databases.ts';
import { fillMacro, variablesOf } from './macros.ts';

describe('macro variables', () => {
  test('fills every known variable and refuses an unknown one', () => {
    assert.deepEqual(variablesOf('Hi {{ customer.firstName }}, {{advisor.name}}'), [
      'customer.firstName',
      'advisor.name',
    ]);
    assert.throws(() => variablesOf('Hi {{customer.email}}'), /not a variable/);
    const text = fillMacro(
      'Hi {{customer.firstName}}, case {{conversation.id}}. {{advisor.name}}',
      {
        'customer.name': 'Inès Dubois',
        'customer.firstName': 'Inès',
        'advisor.name': 'Léa Martin',
        'advisor.firstName': 'Léa',
        'conversation.id': '7',
        'conversation.subject': 'Invoice',
      },
    );
    assert.equal(text, 'Hi Inès, case 7. Léa Martin');
  });
});

for (const database of await testDatabases()) {
  describe(`macros on ${database.name}`, { skip: database.skip }, () => {
    let h: Harness;
    let supervisor: string;
    let advisor: string;
    let techAdvisor: string;
    let conversationId: number;

    before(async () => {
      h = await startHarness(await database.open());
      supervisor = await h.signIn(h.fixture.people.supervisor.email);
      advisor = await h.signIn(h.fixture.people.advisor.email);
      techAdvisor = await h.signIn(h.fixture.people.techAdvisor.email);
      const inbound = await h.app.inject({
        method: 'POST',
        url: '/api/interactions/inbound',
        headers: { authorization: `Bearer ${h.fixture.gatewayToken}` },
        payload: {
          kind: 'email',
          from: { email: 'ines@example.com', name: 'Inès Dubois' },
          subject: 'Invoice',
          text: 'Charged twice',
        },
      });
      conversationId = json<{ conversationId: number }>(inbound).conversationId;
    });
    after(() => h.close());

    test('a supervisor saves a macro once, even when the request is retried', async () => {
      const request = {
        method: 'POST' as const,
        url: '/api/macros',
        headers: { cookie: supervisor, 'idempotency-key': 'macro-1' },
        payload: {
          name: 'Refund',
          body: 'Hello {{customer.firstName}}, I refunded you. {{advisor.name}}',
        },
      };
      const first = await h.app.inject(request);
      assert.equal(first.statusCode, 201);
      const again = await h.app.inject(request);
      assert.equal(again.statusCode, 201);
      assert.equal(again.headers['idempotent-replayed'], 'true');
      const list = json<{ items: Array<{ name: string; variables: string[] }> }>(
        await h.app.inject({ method: 'GET', url: '/api/macros', headers: { cookie: advisor } }),
      );
      assert.deepEqual(
        list.items.map((m) => [m.name, m.variables]),
        [['Refund', ['customer.firstName', 'advisor.name']]],
      );
    });

    test('an advisor fills a macro for a case they may see, and only then', async () => {
      const { items } = json<{ items: Array<{ id: number }> }>(
        await h.app.inject({ method: 'GET', url: '/api/macros', headers: { cookie: advisor } }),
      );
      const id = items[0]!.id;
      const rendered = await h.app.inject({
        method: 'GET',
        url: `/api/macros/${id}/render?conversationId=${conversationId}`,
        headers: { cookie: advisor },
      });
      assert.equal(rendered.statusCode, 200);
      assert.equal(json(rendered).text, 'Hello Inès, I refunded you. Advisor');
      const outOfScope = await h.app.inject({
        method: 'GET',
        url: `/api/macros/${id}/render?conversationId=${conversationId}`,
        headers: { cookie: techAdvisor },
      });
      assert.equal(outOfScope.statusCode, 404);
    });

    test('advisors may not write macros; typos and twins are refused', async () => {
      assert.equal(
        (
          await h.app.inject({
            method: 'POST',
            url: '/api/macros',
            headers: { cookie: advisor },
            payload: { name: 'X', body: 'y' },
          })
        ).statusCode,
        403,
      );
      const typo = await h.app.inject({
        method: 'POST',
        url: '/api/macros',
        headers: { cookie: supervisor },
        payload: { name: 'Typo', body: 'Hi {{customer.nmae}}' },
      });
      assert.equal(typo.statusCode, 422);
      assert.match(json(typo).detail as string, /customer\.nmae/);
      const twin = await h.app.inject({
        method: 'POST',
        url: '/api/macros',
        headers: { cookie: supervisor },
        payload: { name: 'Refund', body: 'again' },
      });
      assert.equal(twin.statusCode, 409);
      const unknown = await h.app.inject({
        method: 'POST',
        url: '/api/macros',
        headers: { cookie: supervisor },
        payload: { name: 'Z', body: 'z', colour: 'red' },
      });
      assert.equal(unknown.statusCode, 400);
    });

    test('a supervisor edits and deletes a macro; both are audited', async () => {
      const { items } = json<{ items: Array<{ id: number }> }>(
        await h.app.inject({ method: 'GET', url: '/api/macros', headers: { cookie: supervisor } }),
      );
      const id = items[0]!.id;
      const edited = await h.app.inject({
        method: 'PATCH',
        url: `/api/macros/${id}`,
        headers: { cookie: supervisor },
        payload: { body: 'Done, {{customer.name}}.' },
      });
      assert.equal(edited.statusCode, 200);
      assert.deepEqual(json(edited).variables, ['customer.name']);
      assert.equal(
        (
          await h.app.inject({
            method: 'DELETE',
            url: `/api/macros/${id}`,
            headers: { cookie: supervisor },
          })
        ).statusCode,
        204,
      );
      assert.equal(
        (
          await h.app.inject({
            method: 'DELETE',
            url: `/api/macros/${id}`,
            headers: { cookie: supervisor },
          })
        ).statusCode,
        404,
      );
      const events = await h.ctx.store.db
        .selectFrom('events')
        .select('type')
        .where('entity_type', '=', 'macro')
        .orderBy('id')
        .execute();
      assert.deepEqual(
        events.map((e) => e.type),
        ['macro.created', 'macro.updated', 'macro.deleted'],
      );
    });
  });
}
