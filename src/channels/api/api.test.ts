import { after, before, describe } from 'node:test';
import { json, startHarness, type Harness } from '../../../test/harness.ts';
import { testDatabases } from '../../../test/databases.ts';
import { runAdapterContract, type DeliveryAnswer } from '../adapter-contract.ts';
import { apiAdapter } from './api-adapter.ts';

for (const database of await testDatabases()) {
  describe(
    `the JSON inbound route as an adapter on ${database.name}`,
    { skip: database.skip },
    () => {
      let h: Harness;
      before(async () => {
        h = await startHarness(await database.open());
      });
      after(() => h.close());

      const post = async (
        payload: Record<string, unknown>,
        token: string,
      ): Promise<DeliveryAnswer> => {
        const response = await h.app.inject({
          method: 'POST',
          url: '/api/interactions/inbound',
          headers: { authorization: `Bearer ${token}` },
          payload,
        });
        if (response.statusCode >= 300) return { status: response.statusCode };
        const body = json<{ interactionId: number; duplicate: boolean; automated: boolean }>(
          response,
        );
        return { status: response.statusCode, ...body };
      };
      const contact = (id: string) => ({
        kind: 'chat_message',
        from: { email: 'lou@example.com', name: 'Lou' },
        text: 'Is the shop open on Sunday?',
        provider: 'chat-gateway',
        providerId: id,
      });

      runAdapterContract(() => ({
        adapter: apiAdapter,
        deliverContact: (id, signature) =>
          post(contact(id), signature === 'bad' ? 'not-a-token' : h.fixture.gatewayToken),
        // The gateway marks what came from Rapport itself (or any machine) as automated.
        deliverEcho: (id) => post({ ...contact(id), automated: true }, h.fixture.gatewayToken),
        storedWith: async (id) =>
          (
            await h.ctx.store.db
              .selectFrom('interactions')
              .select('id')
              .where('provider', '=', 'chat-gateway')
              .where('provider_id', '=', id)
              .execute()
          ).length,
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
      }));
    },
  );
}
