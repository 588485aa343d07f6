import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Context } from '../platform/context.ts';
import { IdParams, Strict, StringEnum } from '../platform/http/schemas.ts';
import { createOnce } from '../platform/http/idempotency.ts';
import { staff, viewer } from '../advisors/authenticate.ts';
import { ContactPointsSchema } from '../customers/identities.ts';
import { priorities, statuses } from '../conversations/conversations.ts';
import { interactionKinds, toInteraction } from '../conversations/interactions.ts';
import { changeCase, receiveContact, sendReply } from './contacts.ts';

const NullableId = Type.Union([Type.Integer({ minimum: 1 }), Type.Null()]);
const AttachmentSchema = Strict({
  name: Type.String({ minLength: 1, maxLength: 255 }),
  contentType: Type.String({ minLength: 3, maxLength: 120 }),
  size: Type.Integer({ minimum: 0 }),
  url: Type.Optional(Type.String({ maxLength: 2000 })),
});
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
  attachments: Type.Optional(Type.Array(AttachmentSchema, { maxItems: 20 })),
  /** The account a reply goes out on; the case's usual account when absent. */
  accountId: Type.Optional(Type.Integer({ minimum: 1 })),
});
const InboundBody = Strict({
  kind: StringEnum(interactionKinds.filter((k) => k !== 'note')),
  from: Strict({
    ...ContactPointsSchema.properties,
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  }),
  text: Type.Optional(Type.String({ maxLength: 100_000 })),
  html: Type.Optional(Type.String({ maxLength: 500_000 })),
  subject: Type.Optional(Type.String({ maxLength: 200 })),
  attachments: Type.Optional(Type.Array(AttachmentSchema, { maxItems: 20 })),
  provider: Type.Optional(Type.String({ minLength: 1, maxLength: 40 })),
  providerId: Type.Optional(Type.String({ minLength: 1, maxLength: 300 })),
  conversationId: Type.Optional(Type.Integer({ minimum: 1 })),
  shopId: Type.Optional(Type.Integer({ minimum: 1 })),
  teamId: Type.Optional(Type.Integer({ minimum: 1 })),
  occurredAt: Type.Optional(Type.String({ format: 'date-time' })),
  accountId: Type.Optional(Type.Integer({ minimum: 1 })),
  to: Type.Optional(Type.String({ minLength: 1, maxLength: 320 })),
  cc: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 320 }), { maxItems: 50 })),
  threadId: Type.Optional(Type.String({ minLength: 1, maxLength: 1000 })),
});

const ingestResponse = {
  type: 'object',
  properties: {
    interactionId: { type: 'integer' },
    conversationId: { type: 'integer' },
    customerId: { type: 'integer' },
    duplicate: { type: 'boolean' },
    customerCreated: { type: 'boolean' },
    conversationOpened: { type: 'boolean' },
  },
} as const;

/**
 * Contacts in and answers out over HTTP: the JSON inbound route of any channel, an advisor's reply
 * or note, and changing a case. Each validates, calls one domain operation of `contacts.ts`, answers.
 */
export function registerContactRoutes(app: FastifyInstance, ctx: Context): void {
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
      return createOnce(ctx.writer, request, reply, `advisor:${me.id}`, async (unit) => {
        const row = await sendReply(unit, request.params.id, request.body, me, actorOf(me.id));
        return { status: 201, body: toInteraction(row) };
      });
    },
  );

  app.post<{ Body: Static<typeof InboundBody> }>(
    '/api/interactions/inbound',
    {
      schema: {
        tags: ['interactions'],
        summary: 'Take in a contact from any channel: match the customer, append or open the case',
        body: InboundBody,
        response: { 200: ingestResponse, 201: ingestResponse },
      },
      config: { allow: ['integration', 'admin'] },
    },
    async (request, reply) => {
      const me = viewer(request);
      const { occurredAt, ...rest } = request.body;
      return createOnce(ctx.writer, request, reply, `advisor:${me.id}`, async (unit) => {
        const result = await receiveContact(
          unit,
          { ...rest, ...(occurredAt ? { occurredAt: Date.parse(occurredAt) } : {}) },
          { defaultRegion: ctx.config.defaultPhoneRegion, actor: { type: 'channel', id: me.id } },
        );
        return { status: result.duplicate ? 200 : 201, body: result };
      });
    },
  );
}
