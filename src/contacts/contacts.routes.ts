import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Context } from '../platform/context.ts';
import { IdParams, Strict, StringEnum } from '../platform/http/schemas.ts';
import { createOnce } from '../platform/http/idempotency.ts';
import { staff, viewer } from '../advisors/authenticate.ts';
import { priorities, statuses } from '../conversations/conversations.ts';
import { interactionKinds, toInteraction } from '../conversations/interactions.ts';
import type { Outbox } from '../channels/send-queue.ts';
import { deliveryHistory, visibleInteraction } from '../conversations/delivery.ts';
import { changeCase, sendReply, startConversation } from './contacts.ts';
import { retrySend } from './sending.ts';
import { requireCaseNotMovedOn } from './moved-on.ts';
import { ReplyAttachmentSchema, maxAttachments } from '../channels/attachments.ts';

const NullableId = Type.Union([Type.Integer({ minimum: 1 }), Type.Null()]);
const ChangesBody = Strict({
  status: Type.Optional(StringEnum(statuses)),
  ownerId: Type.Optional(NullableId),
  teamId: Type.Optional(NullableId),
  priority: Type.Optional(StringEnum(priorities)),
  subject: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  snoozedUntil: Type.Optional(Type.Union([Type.String({ format: 'date-time' }), Type.Null()])),
});
const AdvisorMessageBody = Strict({
  kind: StringEnum(interactionKinds),
  text: Type.String({ minLength: 1, maxLength: 100_000 }),
  html: Type.Optional(Type.String({ maxLength: 500_000 })),
  attachments: Type.Optional(Type.Array(ReplyAttachmentSchema, { maxItems: maxAttachments })),
  /** The account a reply goes out on; the case's usual account when absent. */
  accountId: Type.Optional(Type.Integer({ minimum: 1 })),
  /** An email's own subject ("Re: …" of the message answered when absent). */
  subject: Type.Optional(Type.String({ minLength: 1, maxLength: 300 })),
  /** An email's recipient (the address the customer last wrote from when absent). */
  to: Type.Optional(Type.String({ format: 'email', maxLength: 320 })),
  /** An email's copies: exactly these when given; the copies of the message answered when absent. */
  cc: Type.Optional(
    Type.Array(Type.String({ format: 'email', maxLength: 320 }), {
      maxItems: 50,
      uniqueItems: true,
    }),
  ),
  /** The newest interaction of the case the advisor has read: a send is refused (409) if it moved on. */
  lastSeenInteractionId: Type.Optional(Type.Integer({ minimum: 0 })),
  /** The advisor confirmed sending although the case moved on. */
  sendAnyway: Type.Optional(Type.Boolean()),
});
const NewEmailBody = Strict({
  subject: Type.String({ minLength: 1, maxLength: 200 }),
  text: Type.String({ minLength: 1, maxLength: 100_000 }),
  html: Type.Optional(Type.String({ maxLength: 500_000 })),
  to: Type.Optional(Type.String({ format: 'email', maxLength: 320 })),
  cc: Type.Optional(
    Type.Array(Type.String({ format: 'email', maxLength: 320 }), {
      maxItems: 50,
      uniqueItems: true,
    }),
  ),
  attachments: Type.Optional(Type.Array(ReplyAttachmentSchema, { maxItems: maxAttachments })),
  accountId: Type.Optional(Type.Integer({ minimum: 1 })),
});

/**
 * Contacts in and answers out over HTTP: the JSON inbound route of any channel, an advisor's reply
 * or note, and changing a case. Each validates, calls one domain operation of `contacts.ts`, answers.
 */
export function registerContactRoutes(app: FastifyInstance, ctx: Context, outbox?: Outbox): void {
  const actorOf = (id: number) => ({ type: 'advisor' as const, id });

  app.patch<{ Params: IdParams; Body: Static<typeof ChangesBody> }>(
    '/api/conversations/:id',
    {
      schema: {
        tags: ['conversations'],
        summary:
          'Change status, owner, team, priority or subject; snooze until a future time (null wakes the case)',
        params: IdParams,
        body: ChangesBody,
      },
      config: { allow: staff },
    },
    async (request) => {
      const me = viewer(request);
      const { snoozedUntil, ...rest } = request.body;
      const changes = {
        ...rest,
        ...(snoozedUntil !== undefined
          ? { snoozedUntil: snoozedUntil === null ? null : Date.parse(snoozedUntil) }
          : {}),
      };
      return ctx.writer.run((unit) =>
        changeCase(unit, request.params.id, changes, me, actorOf(me.id)),
      );
    },
  );

  app.post<{ Params: IdParams; Body: Static<typeof AdvisorMessageBody> }>(
    '/api/conversations/:id/interactions',
    {
      schema: {
        tags: ['conversations'],
        summary: 'Reply on a channel (signed by you) or add an internal note',
        params: IdParams,
        body: AdvisorMessageBody,
      },
      config: { allow: staff },
    },
    async (request, reply) => {
      const me = viewer(request);
      const { lastSeenInteractionId, sendAnyway, ...message } = request.body;
      return createOnce(ctx.writer, request, reply, `advisor:${me.id}`, async (unit) => {
        if (lastSeenInteractionId !== undefined && !sendAnyway && message.kind !== 'note')
          await requireCaseNotMovedOn(
            unit,
            ctx.store.dialect,
            request.params.id,
            lastSeenInteractionId,
            me,
            message.kind,
          );
        const row = await sendReply(unit, request.params.id, message, me, actorOf(me.id), {
          outbox,
        });
        return { status: 201, body: toInteraction(row) };
      });
    },
  );

  app.post<{ Params: IdParams; Body: Static<typeof NewEmailBody> }>(
    '/api/customers/:id/emails',
    {
      schema: {
        tags: ['conversations'],
        summary: 'Write a new email to a customer: a case of its own, owned by you',
        params: IdParams,
        body: NewEmailBody,
      },
      config: { allow: staff },
    },
    async (request, reply) => {
      const me = viewer(request);
      return createOnce(ctx.writer, request, reply, `advisor:${me.id}`, async (unit) => {
        const started = await startConversation(
          unit,
          request.params.id,
          { kind: 'email', ...request.body },
          me,
          actorOf(me.id),
          { outbox },
        );
        return {
          status: 201,
          body: {
            conversationId: started.conversationId,
            interaction: toInteraction(started.reply),
          },
        };
      });
    },
  );

  app.post<{ Params: IdParams }>(
    '/api/interactions/:id/retry',
    {
      schema: {
        tags: ['interactions'],
        summary: 'Send a failed reply again (or one still waiting for its channel)',
        params: IdParams,
      },
      config: { allow: staff },
    },
    async (request) => {
      const me = viewer(request);
      const row = await ctx.writer.run((unit) =>
        retrySend(unit, outbox, request.params.id, me, actorOf(me.id)),
      );
      return toInteraction(row);
    },
  );

  app.get<{ Params: IdParams }>(
    '/api/interactions/:id/delivery',
    {
      schema: {
        tags: ['interactions'],
        summary: 'Every step of a reply’s delivery, oldest first',
        params: IdParams,
      },
      config: { allow: staff },
    },
    async (request) => {
      const me = viewer(request);
      await visibleInteraction(ctx.store.read, request.params.id, me);
      return { items: await deliveryHistory(ctx.store.read, request.params.id) };
    },
  );
}
