/**
 * The `widget` adapter: the website chat as a channel. There is no outside provider: a visitor's
 * message arrives on Rapport's own socket or HTTP fallback, and an advisor's reply is stored and
 * pushed to the visitor's open tabs by the chat hub the moment it commits. `send` (run by the send
 * job like every channel's) therefore only names the message — `widget:<interactionId>` — and marks
 * it sent; `delivered` is recorded when the hub has written the message to an open socket of the
 * visitor, `read` when the visitor's widget says it was read. `verify` checks the visitor token of
 * an HTTP fallback request, `parse` reads its body.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { Context } from '../../platform/context.ts';
import { Unauthenticated } from '../../platform/errors.ts';
import { Strict } from '../../platform/http/schemas.ts';
import { refuseBadText } from '../../platform/http/text-guard.ts';
import { bodyChecker } from '../body-check.ts';
import { classifyProviderError, type ChannelAdapter, type InboundContact } from '../adapter.ts';
import { ownProviderId, visitorProviderId } from './messages.ts';
import {
  claimsOf,
  readVisitorToken,
  tokenOfHeaders,
  visitorContactPoints,
  widgetProvider,
} from './visitors.ts';

/** A file the visitor uploaded, named in a message (`ChatUpload`). */
export const ChatUploadSchema = Strict({
  id: Type.String({ minLength: 1, maxLength: 128 }),
  name: Type.String({ minLength: 1, maxLength: 255 }),
  contentType: Type.String({ minLength: 1, maxLength: 255 }),
  size: Type.Integer({ minimum: 0 }),
});

/** The widget's own id for a message: short, and safe in a provider id. */
export const ClientIdSchema = Type.String({
  minLength: 1,
  maxLength: 64,
  pattern: '^[A-Za-z0-9._:-]+$',
});

/** What a visitor sends: the socket's `message` frame, the HTTP fallback's body. */
export const VisitorMessageBody = Strict({
  clientId: ClientIdSchema,
  text: Type.String({ maxLength: 10_000 }),
  attachments: Type.Optional(Type.Array(ChatUploadSchema, { maxItems: 10 })),
});
export type VisitorMessageBody = Static<typeof VisitorMessageBody>;
const checkMessage = bodyChecker(VisitorMessageBody);

/** The website chat's adapter. */
export function createChatAdapter(ctx: Context): ChannelAdapter {
  return {
    provider: widgetProvider,
    channel: 'chat',

    async verify(request, account) {
      const token = tokenOfHeaders(request.headers as Parameters<typeof tokenOfHeaders>[0]);
      if (!token)
        throw new Unauthenticated(
          'a visitor token is needed (Authorization: Visitor …)',
          'visitor-token-invalid',
        );
      const claims = await readVisitorToken(ctx, token);
      if (!claims)
        throw new Unauthenticated('the visitor token is not valid', 'visitor-token-invalid');
      if (!account || claims.accountId !== account.id)
        throw new Unauthenticated('the visitor token is for another chat', 'visitor-token-invalid');
    },

    parse(request, account) {
      const raw = request.body ?? JSON.parse(request.rawBody.toString('utf8'));
      refuseBadText('body', raw);
      const body = checkMessage(raw);
      const token = tokenOfHeaders(request.headers as Parameters<typeof tokenOfHeaders>[0]);
      const claims = token ? claimsOf(token) : null;
      if (!claims)
        throw new Unauthenticated(
          'a visitor token is needed (Authorization: Visitor …)',
          'visitor-token-invalid',
        );
      const contact: InboundContact = {
        kind: 'chat_message',
        from: visitorContactPoints(claims.visitorId),
        text: body.text,
        attachments: body.attachments ?? [],
        provider: widgetProvider,
        providerId: visitorProviderId(claims.visitorId, body.clientId),
        ...(account ? { accountId: account.id, to: account.address } : {}),
        threadId: `visitor:${claims.visitorId}`,
      };
      return { contacts: [contact], deliveryReports: [] };
    },

    // Stored and pushed already: the send only names the message (the same name on every attempt).
    async send(message) {
      return { providerId: ownProviderId(message.interactionId) };
    },

    classify: classifyProviderError,
  };
}
