/**
 * The JSON inbound route (`POST /api/interactions/inbound`) as an adapter: any channel's gateway
 * that holds an integration token posts one contact in Rapport's own format. Verify is the token
 * (the platform checked it; the adapter insists on an integration or admin caller), parse is the
 * schema'd body. It takes contacts in only: replies leave through the channel's own account.
 */
import { Type, type Static } from '@sinclair/typebox';
import { Unauthenticated } from '../../platform/errors.ts';
import { bodyChecker } from '../body-check.ts';
import { Strict, StringEnum } from '../../platform/http/schemas.ts';
import type { InboundAdapter, InboundContact } from '../adapter.ts';
import { ContactPointsSchema } from '../../customers/identities.ts';
import { interactionKinds } from '../../conversations/interactions.ts';
import { AttachmentSchema, maxAttachments } from '../attachments.ts';

/** One contact in Rapport's own JSON format. */
export const InboundBody = Strict({
  kind: StringEnum(interactionKinds.filter((k) => k !== 'note')),
  from: Strict({
    ...ContactPointsSchema.properties,
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  }),
  text: Type.Optional(Type.String({ maxLength: 100_000 })),
  html: Type.Optional(Type.String({ maxLength: 500_000 })),
  subject: Type.Optional(Type.String({ maxLength: 200 })),
  attachments: Type.Optional(Type.Array(AttachmentSchema, { maxItems: maxAttachments })),
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
  automated: Type.Optional(Type.Boolean()),
});
export type InboundBody = Static<typeof InboundBody>;
const checkBody = bodyChecker(InboundBody);

/** The JSON inbound route's adapter (inbound only). */
export const apiAdapter: InboundAdapter = {
  provider: 'api',
  channel: 'any',

  verify(request) {
    const role = request.caller?.role;
    if (role !== 'integration' && role !== 'admin')
      throw new Unauthenticated('an integration token is needed to post contacts');
  },

  parse(request) {
    const { occurredAt, ...rest } = checkBody(
      request.body ?? JSON.parse(request.rawBody.toString('utf8')),
    );
    const contact: InboundContact = {
      ...rest,
      ...(occurredAt ? { occurredAt: Date.parse(occurredAt) } : {}),
    };
    return { contacts: [contact], deliveryReports: [] };
  },
};
