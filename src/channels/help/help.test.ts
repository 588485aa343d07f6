/**
 * The help centre's contact page and its "call me back" form, over the running server on SQLite and
 * PostgreSQL: the ways to reach the company read from its channel accounts, and the JSON API behind
 * the form (validated with problem+json, E.164 numbers, opening hours, idempotent, rate-limited).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { json, startHarness, type Harness } from '../../../test/harness.ts';
import { testDatabases } from '../../../test/databases.ts';
import { createChannelAccount } from '../channel-accounts.ts';
import { createSecretBox } from '../../platform/secrets.ts';
import { systemActor } from '../../platform/events/event.ts';
import type { CallbackConfirmation } from './help-centre.ts';

const line = '+33140000600';
/** The harness's clock starts on a Wednesday at 09:00 UTC; the line is open 08:00–18:00 on weekdays. */
const hours = JSON.stringify(
  [1, 2, 3, 4, 5].map((weekday) => ({ weekday, opens: '08:00', closes: '18:00' })),
);

interface Problem {
  readonly type: string;
  readonly errors?: { field: string; reason: string }[];
}

for (const database of await testDatabases()) {
  describe(`the help centre on ${database.name}`, { skip: database.skip }, () => {
    let h: Harness;

    before(async () => {
      h = await startHarness(await database.open(), {
        gateway: true,
        config: { publicRateLimitPerMinute: 60 },
      });
      await h.ctx.writer.run(async (unit) => {
        const box = createSecretBox(h.ctx.config.secretKey);
        await createChannelAccount(
          unit,
          box,
          {
            channel: 'voice',
            provider: 'twilio',
            displayName: 'Care line',
            address: line,
            teamId: h.fixture.teams.care,
            settings: {
              baseUrl: 'http://127.0.0.1:9',
              accountSid: 'AC44444444444444444444444444444444',
              hours,
              timeZone: 'UTC',
            },
            secrets: { authToken: 'help-centre-test-token' },
          },
          systemActor,
        );
        await createChannelAccount(
          unit,
          box,
          {
            channel: 'chat',
            provider: 'widget',
            displayName: 'Website <chat>',
            address: 'help-test-site',
            teamId: h.fixture.teams.care,
            settings: {},
          },
          systemActor,
        );
        // The company's one line and one chat: the test fixture's others are switched off.
        await unit.db
          .updateTable('channel_accounts')
          .set({ enabled: 0 })
          .where('channel', 'in', ['voice', 'chat'])
          .where('address', 'not in', [line, 'help-test-site'])
          .execute();
      });
    });
    after(() => h.close());

    let address = 0;
    /** Each test asks from an address of its own, so the rate limit counts only its requests. */
    const ask = (body: unknown, headers: Record<string, string> = {}, from?: string) =>
      h.app.inject({
        method: 'POST',
        url: '/api/help/callbacks',
        payload: body as Record<string, unknown>,
        headers,
        remoteAddress: from ?? `10.0.0.${++address}`,
      });
    const itemsOf = (conversationId: number) =>
      h.ctx.store.db
        .selectFrom('work_items')
        .selectAll()
        .where('conversation_id', '=', conversationId)
        .where('status', 'in', ['waiting', 'offered', 'assigned'])
        .execute();

    test('the page lists every way to reach the company, from its channel accounts', async () => {
      const page = await h.app.inject({ method: 'GET', url: '/help' });
      assert.equal(page.statusCode, 200);
      assert.match(String(page.headers['content-type']), /^text\/html/);
      const policy = String(page.headers['content-security-policy']);
      assert.match(policy, /script-src 'self'/);
      assert.doesNotMatch(page.body, /<script>|style=/, 'no inline script or style');
      assert.match(page.body, /<a href="tel:\+33140000600">\+33 1 40 00 06 00<\/a>/);
      assert.match(page.body, /<script src="\/widget\.js" data-account="help-test-site" defer>/);
      assert.match(page.body, /<th scope="row">Wednesday<\/th><td>08:00–18:00<\/td>/);
      assert.match(page.body, /<th scope="row">Sunday<\/th><td>closed<\/td>/);
      assert.match(page.body, /<label for="cb-phone">Phone number<\/label>/);
      assert.match(page.body, /id="cb-consent" name="consent" type="checkbox" required/);
      const script = await h.app.inject({ method: 'GET', url: '/help/help.js' });
      assert.match(String(script.headers['content-type']), /^text\/javascript/);
      const styles = await h.app.inject({ method: 'GET', url: '/help/help.css' });
      assert.match(String(styles.headers['content-type']), /^text\/css/);
    });

    test('a callback asked with a national number finds or makes the customer, queues a callback and says honestly when', async () => {
      const asked = await ask({ name: 'Zoé Laurent', phone: '06 25 00 00 01', consent: true });
      assert.equal(asked.statusCode, 201, asked.body);
      const answer = json<CallbackConfirmation>(asked);
      assert.equal(answer.phone, '+33625000001', 'E.164 in the company’s region');
      assert.equal(answer.status, 'queued');
      // Nobody is on shift in the test company: no time is promised.
      assert.equal(answer.estimatedWaitMs, null);
      assert.match(answer.message, /cannot promise a time/);
      const [item] = await itemsOf(answer.conversationId);
      assert.equal(item!.kind, 'callback');
      assert.equal(item!.channel, 'voice');
      assert.equal(item!.callback_number, '+33625000001');
      assert.equal(item!.due_at, null);
      const customer = await h.ctx.store.db
        .selectFrom('identities')
        .innerJoin('customers', 'customers.id', 'identities.customer_id')
        .select(['customers.id', 'customers.display_name'])
        .where('identities.kind', '=', 'phone')
        .where('identities.value', '=', '+33625000001')
        .executeTakeFirstOrThrow();
      assert.equal(customer.display_name, 'Zoé Laurent');
      const said = await h.ctx.store.db
        .selectFrom('interactions')
        .select('text')
        .where('conversation_id', '=', answer.conversationId)
        .execute();
      assert.ok(said.some((i) => /help centre/.test(i.text) && /agreed to be called/.test(i.text)));

      // Asked again (a double click, another tab, the same number written differently): one callback.
      const again = await ask({ name: 'Zoé', phone: '+33 6 25 00 00 01', consent: true });
      assert.equal(again.statusCode, 201, again.body);
      assert.equal(json<CallbackConfirmation>(again).conversationId, answer.conversationId);
      assert.equal((await itemsOf(answer.conversationId)).length, 1);
      const customers = await h.ctx.store.db
        .selectFrom('identities')
        .select('customer_id')
        .where('value', '=', '+33625000001')
        .execute();
      assert.equal(customers.length, 1, 'found by their number, not made twice');
    });

    test('the same request with its Idempotency-Key is answered again without a second change', async () => {
      const body = { name: 'Marc Henry', phone: '+33625000002', consent: true };
      const first = await ask(body, { 'idempotency-key': 'help-form-1' });
      const replay = await ask(body, { 'idempotency-key': 'help-form-1' });
      assert.equal(first.statusCode, 201);
      assert.equal(replay.statusCode, 201);
      assert.equal(replay.headers['idempotent-replayed'], 'true');
      assert.deepEqual(json(replay), json(first));
      const stored = await h.ctx.store.db
        .selectFrom('interactions')
        .select('id')
        .where('provider', '=', 'help')
        .where('conversation_id', '=', json<CallbackConfirmation>(first).conversationId)
        .execute();
      assert.equal(stored.length, 1, 'one request stored');
      const reused = await ask(
        { ...body, name: 'Someone else' },
        { 'idempotency-key': 'help-form-1' },
      );
      assert.equal(reused.statusCode, 409);
    });

    test('a preferred time within opening hours holds the callback until then; outside them, or in the past, is refused by name', async () => {
      const now = h.clock.now();
      const at = new Date(now + 3 * 60 * 60_000).toISOString(); // Wednesday 12:00 UTC
      const asked = await ask({
        name: 'Lina Roux',
        phone: '+33625000003',
        preferredTime: at,
        consent: true,
      });
      assert.equal(asked.statusCode, 201, asked.body);
      const answer = json<CallbackConfirmation>(asked);
      assert.equal(answer.notBefore, at);
      assert.match(answer.message, /from Wednesday .* at 12:00 \(UTC\)/);
      const [item] = await itemsOf(answer.conversationId);
      assert.equal(Number(item!.due_at), Date.parse(at));
      assert.equal(Number(item!.created_at), Date.parse(at), 'its place in line starts then');

      for (const [preferredTime, reason] of [
        [new Date(now + 12 * 60 * 60_000).toISOString(), /outside our opening hours/], // 21:00
        [new Date(now - 60 * 60_000).toISOString(), /in the past/],
        [new Date(now + 20 * 86_400_000).toISOString(), /more than 14 days ahead/],
      ] as const) {
        const refused = await ask({
          name: 'Lina',
          phone: '+33625000004',
          preferredTime,
          consent: true,
        });
        assert.equal(refused.statusCode, 422, refused.body);
        assert.match(String(refused.headers['content-type']), /^application\/problem\+json/);
        const problem = json<Problem>(refused);
        assert.equal(problem.errors?.[0]?.field, 'preferredTime');
        assert.match(problem.errors![0]!.reason, reason);
      }
    });

    test('without consent, with a number that is not one, or a field missing: refused, naming the field', async () => {
      const cases: [unknown, number, string, RegExp][] = [
        [{ name: 'A', phone: '+33625000005', consent: false }, 422, 'consent', /agree/],
        [{ name: 'A', phone: '12', consent: true }, 400, 'phone', /./],
        [{ name: 'A', phone: 'not a phone', consent: true }, 422, 'phone', /not a valid phone/],
        [{ name: 'A', phone: '+33625000005' }, 400, 'consent', /./],
        [{ name: 'A', phone: '+33625000005', consent: true, extra: 1 }, 400, 'extra', /./],
      ];
      for (const [body, status, field, reason] of cases) {
        const refused = await ask(body);
        assert.equal(refused.statusCode, status, refused.body);
        const problem = json<Problem>(refused);
        const named = problem.errors?.find((e) => e.field.replace(/^\//, '') === field);
        assert.ok(named, `${field} named in ${refused.body}`);
        assert.match(named.reason, reason);
      }
    });

    test('a customer already waiting on another channel keeps their place: their wait becomes the callback', async () => {
      const wrote = await h.app.inject({
        method: 'POST',
        url: '/api/interactions/inbound',
        headers: { authorization: `Bearer ${h.fixture.gatewayToken}` },
        payload: {
          kind: 'email',
          from: { email: 'paul.girard@example.com', phone: '+33625000006', name: 'Paul Girard' },
          subject: 'My bill',
          text: 'My bill is wrong.',
        },
      });
      assert.ok(wrote.statusCode < 300, wrote.body);
      const conversationId = json<{ conversationId: number }>(wrote).conversationId;
      const [waiting] = await itemsOf(conversationId);
      h.clock.advance(5 * 60_000);
      const asked = await ask({ name: 'Paul', phone: '0625000006', consent: true });
      assert.equal(json<CallbackConfirmation>(asked).conversationId, conversationId);
      const [item] = await itemsOf(conversationId);
      assert.equal(item!.id, waiting!.id, 'the same work');
      assert.equal(item!.kind, 'callback');
      assert.equal(Number(item!.created_at), Number(waiting!.created_at), 'the same place');
    });

    test('out of hours, with no time asked for: called at the next opening, and said so', async () => {
      h.clock.advance(10 * 60 * 60_000); // Wednesday 19:00 and a little
      const asked = await ask({ name: 'Nora Petit', phone: '+33625000007', consent: true });
      assert.equal(asked.statusCode, 201, asked.body);
      const answer = json<CallbackConfirmation>(asked);
      assert.match(answer.message, /We are closed now\. .* when we open, tomorrow at 08:00/);
      const opening = new Date(h.clock.now());
      opening.setUTCDate(opening.getUTCDate() + 1);
      opening.setUTCHours(8, 0, 0, 0);
      assert.equal(answer.notBefore, opening.toISOString());
      const [item] = await itemsOf(answer.conversationId);
      assert.equal(Number(item!.due_at), opening.getTime());
    });

    test('one address asking again and again is refused for a while (429)', async () => {
      const statuses: number[] = [];
      for (let n = 0; n < 12; n++)
        statuses.push(
          (await ask({ name: 'Spam', phone: '+33625000099', consent: false }, {}, '10.9.9.9'))
            .statusCode,
        );
      assert.ok(
        statuses.slice(0, 10).every((s) => s === 422),
        statuses.join(),
      );
      assert.equal(statuses.at(-1), 429);
    });
  });
}
