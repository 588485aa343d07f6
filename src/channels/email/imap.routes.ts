import type { FastifyInstance } from 'fastify';
import type { Context } from '../../platform/context.ts';
import { IdParams } from '../../platform/http/schemas.ts';
import { admins } from '../../advisors/authenticate.ts';
import { mailboxStatus } from './imap-poller.ts';

/** An email account's IMAP mailbox for administrators: whether it is read, and why not. */
export function registerImapRoutes(app: FastifyInstance, ctx: Context): void {
  app.get<{ Params: IdParams }>(
    '/api/channel-accounts/:id/mailbox',
    {
      schema: {
        tags: ['channels'],
        summary:
          "Whether the account's IMAP mailbox is read: its state, the last failure's reason, the next attempt",
        params: IdParams,
      },
      config: { allow: admins },
    },
    async (request) => mailboxStatus(ctx.store.read, request.params.id),
  );
}
