import { after, before, describe } from 'node:test';
import nodemailer from 'nodemailer';
import { startHarness, type Harness } from '../../../test/harness.ts';
import { testDatabases } from '../../../test/databases.ts';
import { runAdapterContract, type DeliveryAnswer } from '../adapter-contract.ts';
import { createEmailAdapter } from './email-adapter.ts';
import { createEmailIntake, type EmailIntakeResult } from './ingest.ts';
import { startSmtpInbound, type SmtpInbound } from './smtp-inbound.ts';
import { normaliseMessageId } from './mime.ts';

const mailbox = 'care@test.rapport';

/**
 * The shared adapter contract, spoken as SMTP. Mail has no signature: the server's refusal of a
 * delivery it will not take (a mailbox we do not host, 550 at RCPT) is the contract's refusal, and
 * nothing of it is stored. The outbound cases are HTTP-shaped and skip; email-adapter.test.ts sends
 * to a real SMTP server instead.
 */
for (const database of await testDatabases()) {
  describe(
    `the email adapter keeps the channel contract on ${database.name}`,
    { skip: database.skip },
    () => {
      let h: Harness;
      let smtp: SmtpInbound;
      const results = new Map<string, EmailIntakeResult>();

      before(async () => {
        h = await startHarness(await database.open());
        const intake = createEmailIntake({
          writer: h.ctx.writer,
          db: h.ctx.store.db,
          dialect: h.ctx.store.dialect,
          defaultRegion: 'FR',
          maxAttachmentBytes: 1_000_000,
          logger: h.ctx.logger,
        });
        smtp = await startSmtpInbound({
          host: '127.0.0.1',
          port: 0,
          maxBytes: 1_000_000,
          acceptsRecipient: (address) => intake.acceptsRecipient(address),
          take: async (raw, envelope) => {
            const result = await intake.take(raw, { via: 'smtp', envelope });
            results.set(result.messageId, result);
          },
          logger: h.ctx.logger,
        });
      });
      after(async () => {
        await smtp.close();
        await h.close();
      });

      const deliver = async (id: string, from: string, to: string): Promise<DeliveryAnswer> => {
        const transport = nodemailer.createTransport({
          host: '127.0.0.1',
          port: smtp.port,
          ignoreTLS: true,
        });
        try {
          await transport.sendMail({
            from,
            to,
            subject: 'My parcel',
            text: 'It never came.',
            messageId: `<${id}@contract.example>`,
          });
        } catch (error) {
          const code = (error as { responseCode?: number }).responseCode ?? 0;
          return { status: code >= 500 ? 401 : 503 };
        } finally {
          transport.close();
        }
        const result = results.get(normaliseMessageId(`<${id}@contract.example>`)!);
        return {
          status: 200,
          interactionId: result?.interactionId ?? undefined,
          duplicate: result?.duplicate,
          automated: result?.outcome === 'automated',
        };
      };

      runAdapterContract(() => ({
        adapter: createEmailAdapter({ db: h.ctx.store.db, now: () => h.ctx.clock.now() }),
        deliverContact: (id, signature) =>
          deliver(
            id,
            'Noor <noor@example.com>',
            signature === 'valid' ? mailbox : 'someone@not-ours.example',
          ),
        deliverEcho: (id) => deliver(id, `Care <${mailbox}>`, mailbox),
        storedWith: async (id) =>
          (
            await h.ctx.store.db
              .selectFrom('interactions')
              .select('id')
              .where('provider', '=', 'smtp')
              .where('provider_id', '=', `${id}@contract.example`)
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
