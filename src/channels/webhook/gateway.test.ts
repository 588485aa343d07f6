import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { gatewaySecret, json, startHarness, type Harness } from '../../../test/harness.ts';
import { testDatabases } from '../../../test/databases.ts';
import { runAdapterContract, type DeliveryAnswer } from '../adapter-contract.ts';
import type { AdapterAccount } from '../adapter.ts';
import type { Channel } from '../channel.ts';
import { gatewayAdapter, signatureHeader } from './gateway.ts';
import { storedAccounts } from '../send-queue.ts';
import { createSecretBox } from '../../platform/secrets.ts';
import type { Interaction } from '../../api-types/conversations.ts';

async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false>): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

for (const database of await testDatabases()) {
  describe(
    `the channel gateway (webhook adapter) on ${database.name}`,
    { skip: database.skip },
    () => {
      let h: Harness;
      let advisor: string;
      const accounts = {} as Record<Channel, AdapterAccount>;
      before(async () => {
        h = await startHarness(await database.open(), { gateway: true });
        advisor = await h.signIn(h.fixture.people.advisor.email);
        const lookup = storedAccounts(createSecretBox(h.ctx.config.secretKey));
        for (const [channel, id] of Object.entries(h.fixture.accounts))
          accounts[channel as Channel] = (await lookup.byId(h.ctx.store.db, id))!;
      });
      after(() => h.close());

      const account = (channel: Channel) => accounts[channel];
      const post = async (
        to: AdapterAccount,
        body: unknown,
        sign: { secret?: string; at?: number } = {},
      ): Promise<{ status: number; body: Record<string, unknown> }> => {
        const raw = JSON.stringify(body);
        const response = await h.app.inject({
          method: 'POST',
          url: `/webhooks/gateway/${to.id}`,
          headers: {
            'content-type': 'application/json',
            'rapport-signature': signatureHeader(
              sign.secret ?? gatewaySecret,
              raw,
              sign.at ?? h.clock.now(),
            ),
          },
          payload: raw,
        });
        return { status: response.statusCode, body: JSON.parse(response.body) };
      };
      const answerOf = (r: { status: number; body: Record<string, unknown> }): DeliveryAnswer => {
        const first = (r.body.contacts as Record<string, unknown>[] | undefined)?.[0];
        return {
          status: r.status,
          interactionId: first?.interactionId as number | undefined,
          duplicate: first?.duplicate as boolean | undefined,
          automated: first?.automated as boolean | undefined,
        };
      };
      const smsContact = (id: string, phone = '+33612345678') => ({
        contacts: [{ id, from: { phone, name: 'Camille' }, text: 'Where is my parcel?' }],
      });
      const stored = (providerId: string) =>
        h.ctx.store.db
          .selectFrom('interactions')
          .select('id')
          .where('provider', '=', 'webhook')
          .where('provider_id', '=', providerId)
          .execute();

      describe('the adapter contract', () => {
        runAdapterContract(() => ({
          adapter: gatewayAdapter(() => h.clock.now()),
          deliverContact: async (id, signature) =>
            answerOf(
              await post(
                account('sms'),
                smsContact(id),
                signature === 'bad' ? { secret: 'not-the-secret' } : {},
              ),
            ),
          deliverStale: async (id) =>
            answerOf(
              await post(account('sms'), smsContact(id), {
                at: h.clock.now() - 5 * 60_000 - 1_000,
              }),
            ),
          // The gateway hands back a message that we sent: from our own address.
          deliverEcho: async (id) =>
            answerOf(
              await post(account('email'), {
                contacts: [
                  {
                    id,
                    from: { email: account('email').address },
                    text: 'Your parcel is on its way',
                  },
                ],
              }),
            ),
          storedWith: async (id) => (await stored(id)).length,
          customerMessages: async () =>
            Number(
              (
                await h.ctx.store.db
                  .selectFrom('interactions')
                  .select((eb) => eb.fn.countAll<number>().as('n'))
                  .where('direction', '=', 'inbound')
                  .where('automated', '=', 0)
                  .executeTakeFirstOrThrow()
              ).n,
            ),
          accountFor: (baseUrl) => ({
            ...account('sms'),
            settings: { sendUrl: `${baseUrl}/messages` },
          }),
          success: { status: 201, body: JSON.stringify({ id: 'gw-77' }), providerId: 'gw-77' },
          idempotencyHeader: 'idempotency-key',
        }));
      });

      /** A customer writes on `channel` through the gateway; the advisor replies; returns the reply. */
      const conversationWithReply = async (channel: Channel, from: Record<string, string>) => {
        const kind = channel === 'sms' ? 'sms' : channel === 'email' ? 'email' : 'chat_message';
        const received = await post(account(channel), {
          contacts: [{ id: `in-${Math.random()}`, kind, from, text: 'Hello?' }],
        });
        assert.equal(received.status, 200, JSON.stringify(received.body));
        const conversationId = (received.body.contacts as { conversationId: number }[])[0]!
          .conversationId;
        const reply = await h.app.inject({
          method: 'POST',
          url: `/api/conversations/${conversationId}/interactions`,
          headers: { cookie: advisor },
          payload: { kind, text: 'Here to help.' },
        });
        assert.equal(reply.statusCode, 201, reply.body);
        return { conversationId, reply: json<Interaction>(reply) };
      };
      const interaction = (id: number) =>
        h.ctx.store.db
          .selectFrom('interactions')
          .selectAll()
          .where('id', '=', id)
          .executeTakeFirstOrThrow();
      const stateBecomes = (id: number, state: string) =>
        waitFor(`interaction ${id} ${state}`, async () => {
          const row = await interaction(id);
          return row.delivery_state === state && row;
        });
      const history = async (id: number) =>
        json<{ items: { state: string; reason: string | null }[] }>(
          await h.app.inject({
            url: `/api/interactions/${id}/delivery`,
            headers: { cookie: advisor },
          }),
        ).items;

      test('a reply is posted to the send URL, signed, with its send key, and recorded as sent with the gateway’s id', async () => {
        const { reply } = await conversationWithReply('sms', { phone: '+33611111111' });
        assert.equal(reply.deliveryState, 'queued');
        const sent = await stateBecomes(reply.id, 'sent');
        const request = [...h.gateway!.provider.messages.values()].find(
          (m) => JSON.parse(m.body).interactionId === reply.id,
        )!;
        assert.equal(request.headers['idempotency-key'], `send:${reply.id}`);
        const body = JSON.parse(request.body);
        assert.equal(body.to, '+33611111111');
        assert.equal(body.from, account('sms').address);
        const t = /^t=(\d+),v1=/.exec(String(request.headers['rapport-signature']))![1]!;
        assert.equal(
          request.headers['rapport-signature'],
          signatureHeader(gatewaySecret, request.body, Number(t) * 1000),
        );
        assert.equal(sent.provider, 'webhook');
        assert.match(sent.provider_id!, /^gw-\d+$/);
        assert.equal(sent.sent_at, h.clock.now());
      });

      test('a thread id the gateway answers with is kept on the reply', async () => {
        h.gateway!.provider.answers.push({
          status: 201,
          body: JSON.stringify({ id: 'gw-thread-1', threadId: 'thread-42' }),
        });
        const { reply } = await conversationWithReply('sms', { phone: '+33611111112' });
        const sent = await stateBecomes(reply.id, 'sent');
        assert.equal(sent.provider_id, 'gw-thread-1');
        assert.equal(sent.thread_id, 'thread-42');
      });

      test('a send that fails twice with a temporary error and then succeeds is sent once', async () => {
        const provider = h.gateway!.provider;
        provider.answers.push({ status: 503 }, { status: 502 });
        const before = provider.requests.length;
        const { reply } = await conversationWithReply('sms', { phone: '+33622222222' });
        const key = `send:${reply.id}`;
        // Each failed attempt is settled (queued again with its backoff) before the clock moves on.
        const settled = (attempts: number) =>
          waitFor(`attempt ${attempts} settled`, async () => {
            const job = await h.ctx.store.db
              .selectFrom('jobs')
              .select(['state', 'attempts'])
              .where('key', '=', key)
              .executeTakeFirst();
            return job?.state === 'queued' && job.attempts === attempts;
          });
        await settled(1);
        h.clock.advance(1_000);
        await settled(2);
        h.clock.advance(2_000);
        await stateBecomes(reply.id, 'sent');
        const mine = provider.requests.slice(before);
        assert.equal(mine.length, 3);
        assert.deepEqual(
          mine.map((r) => r.headers['idempotency-key']),
          [key, key, key],
        );
        assert.equal(
          [...provider.messages.keys()].filter((k) => k === key).length,
          1,
          'the provider took one message',
        );
        assert.deepEqual(
          (await history(reply.id)).map((e) => e.state),
          ['queued', 'sending', 'sent'],
        );
      });

      test('a permanent error fails the reply at once with the provider’s reason; a retry after the fix sends it', async () => {
        const provider = h.gateway!.provider;
        provider.answers.push({ status: 400, body: '{"error":"unknown number"}' });
        const { conversationId, reply } = await conversationWithReply('sms', {
          phone: '+33633333333',
        });
        const failed = await stateBecomes(reply.id, 'failed');
        assert.match(failed.delivery_reason!, /permanent: 400: .*unknown number/);
        const timeline = json<{ items: Interaction[] }>(
          await h.app.inject({
            url: `/api/conversations/${conversationId}/interactions`,
            headers: { cookie: advisor },
          }),
        );
        const shown = timeline.items.find((i) => i.id === reply.id)!;
        assert.equal(shown.deliveryState, 'failed');
        assert.match(shown.deliveryReason!, /unknown number/);

        const retried = await h.app.inject({
          method: 'POST',
          url: `/api/interactions/${reply.id}/retry`,
          headers: { cookie: advisor },
        });
        assert.equal(retried.statusCode, 200, retried.body);
        assert.equal(json(retried).deliveryState, 'queued');
        await stateBecomes(reply.id, 'sent');
        assert.deepEqual(
          (await history(reply.id)).map((e) => e.state),
          ['queued', 'sending', 'failed', 'queued', 'sending', 'sent'],
        );
        const audit = await h.ctx.store.db
          .selectFrom('events')
          .select('actor_id')
          .where('type', '=', 'interaction.send-retried')
          .where('entity_id', '=', reply.id)
          .execute();
        assert.deepEqual(
          audit.map((a) => Number(a.actor_id)),
          [h.fixture.people.advisor.id],
        );
        const again = await h.app.inject({
          method: 'POST',
          url: `/api/interactions/${reply.id}/retry`,
          headers: { cookie: advisor },
        });
        assert.equal(again.statusCode, 409, 'a sent reply is not sent twice');
      });

      test('delivery reports move a reply forward by its provider id, never backwards', async () => {
        const { reply } = await conversationWithReply('sms', { phone: '+33644444444' });
        const sent = await stateBecomes(reply.id, 'sent');
        const report = (state: string, reason?: string) =>
          post(account('sms'), {
            deliveryReports: [{ id: sent.provider_id, state, ...(reason ? { reason } : {}) }],
          });
        assert.deepEqual((await report('read')).body.deliveryReports, { applied: 1, ignored: 0 });
        assert.deepEqual((await report('delivered')).body.deliveryReports, {
          applied: 0,
          ignored: 1,
        });
        await report('failed', 'handset off');
        const row = await interaction(reply.id);
        assert.equal(row.delivery_state, 'read', 'a late report never undoes read');
        assert.equal(row.delivery_reason, null);
        assert.deepEqual(
          (await history(reply.id)).map((e) => e.state),
          ['queued', 'sending', 'sent', 'read'],
        );
        const unknown = await post(account('sms'), {
          deliveryReports: [{ id: 'never-sent-by-us', state: 'delivered' }],
        });
        assert.deepEqual(unknown.body.deliveryReports, { applied: 0, ignored: 1 });
        const changed = await h.ctx.store.db
          .selectFrom('events')
          .select('after')
          .where('type', '=', 'interaction.delivery-changed')
          .where('entity_id', '=', reply.id)
          .orderBy('id')
          .execute();
        assert.deepEqual(
          changed.map((e) => (JSON.parse(e.after!) as { deliveryState: string }).deliveryState),
          ['sending', 'sent', 'read'],
        );
      });

      test('our own sent message echoed back by the gateway is the reply itself, not a new contact', async () => {
        const { reply } = await conversationWithReply('sms', { phone: '+33655555555' });
        const sent = await stateBecomes(reply.id, 'sent');
        const echo = await post(account('sms'), {
          contacts: [
            { id: sent.provider_id, from: { phone: '+33655555555' }, text: 'Here to help.' },
          ],
        });
        const answer = answerOf(echo);
        assert.equal(answer.duplicate, true);
        assert.equal(answer.interactionId, reply.id);
      });

      test('an auto-reply is stored as automated and never queued for routing', async () => {
        const result = await post(account('email'), {
          contacts: [
            {
              id: `auto-${Date.now()}`,
              from: { email: 'away@example.com' },
              text: 'I am out of the office',
              headers: { 'Auto-Submitted': 'auto-replied' },
            },
          ],
        });
        const answer = answerOf(result);
        assert.equal(answer.automated, true);
        const conversationId = (result.body.contacts as { conversationId: number }[])[0]!
          .conversationId;
        const work = await h.ctx.store.db
          .selectFrom('work_items')
          .select('id')
          .where('conversation_id', '=', conversationId)
          .execute();
        assert.equal(work.length, 0);
      });

      test('a malformed body is refused with the field, and an unknown account is not found', async () => {
        const bad = await post(account('sms'), { contacts: [{ id: 'x', text: 'no sender' }] });
        assert.equal(bad.status, 422);
        const missing = await post({ ...account('sms'), id: 987_654 }, smsContact('y'));
        assert.equal(missing.status, 404);
      });

      test('a reply on SMS to a customer who said no to SMS is refused with 422 naming consent', async () => {
        const received = await post(
          account('sms'),
          smsContact(`consent-${Date.now()}`, '+33666666666'),
        );
        const { conversationId } = (received.body.contacts as { conversationId: number }[])[0]!;
        const conversation = json<{ customerId: number }>(
          await h.app.inject({
            url: `/api/conversations/${conversationId}`,
            headers: { cookie: advisor },
          }),
        );
        const consent = await h.app.inject({
          method: 'PUT',
          url: `/api/customers/${conversation.customerId}/consent`,
          headers: { cookie: advisor },
          payload: { sms: false },
        });
        assert.equal(consent.statusCode, 200, consent.body);
        const before = provider().requests.length;
        const refused = await h.app.inject({
          method: 'POST',
          url: `/api/conversations/${conversationId}/interactions`,
          headers: { cookie: advisor },
          payload: { kind: 'sms', text: 'Your parcel leaves today' },
        });
        assert.equal(refused.statusCode, 422);
        assert.match(refused.body, /said no to SMS/);
        assert.match(refused.body, /consent/);
        const replies = await h.ctx.store.db
          .selectFrom('interactions')
          .select('id')
          .where('conversation_id', '=', conversationId)
          .where('direction', '=', 'outbound')
          .execute();
        assert.equal(replies.length, 0, 'nothing stored');
        assert.equal(provider().requests.length, before, 'nothing sent');
        const email = await h.app.inject({
          method: 'POST',
          url: `/api/conversations/${conversationId}/interactions`,
          headers: { cookie: advisor },
          payload: { kind: 'note', text: 'Customer refuses SMS' },
        });
        assert.equal(email.statusCode, 201, 'a note needs no consent');
      });
      const provider = () => h.gateway!.provider;

      test('a reply on an account whose provider has no adapter here stays queued, waiting for the channel', async () => {
        const received = await h.app.inject({
          method: 'POST',
          url: '/api/interactions/inbound',
          headers: { authorization: `Bearer ${h.fixture.gatewayToken}` },
          payload: {
            kind: 'social_dm',
            from: { social: { network: 'instagram', handle: 'noa' } },
            text: 'Hi!',
          },
        });
        const { conversationId } = json<{ conversationId: number }>(received);
        const reply = await h.app.inject({
          method: 'POST',
          url: `/api/conversations/${conversationId}/interactions`,
          headers: { cookie: advisor },
          payload: { kind: 'social_dm', text: 'Hello Noa', accountId: h.gateway!.idle.social },
        });
        assert.equal(reply.statusCode, 201, reply.body);
        const id = json<Interaction>(reply).id;
        await new Promise((resolve) => setTimeout(resolve, 50));
        assert.equal((await interaction(id)).delivery_state, 'queued');
        const jobs = await h.ctx.store.db
          .selectFrom('jobs')
          .select('id')
          .where('key', '=', `send:${id}`)
          .execute();
        assert.equal(jobs.length, 0, 'nothing to send it with');
      });
    },
  );
}
