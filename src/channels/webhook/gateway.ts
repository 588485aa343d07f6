/**
 * The `webhook` adapter: the company's own systems as a channel gateway. Inbound, they POST contacts
 * and delivery reports as JSON to /webhooks/gateway/:accountId; outbound, Rapport POSTs each reply to
 * the account's send URL. Both directions are signed the same way (see `signatureHeader`).
 */
import {
  signatureHeader as signedHeader,
  signatureHeaderName,
  verifySignature,
} from '../../platform/net/signature.ts';
import { Type, type Static } from '@sinclair/typebox';
import { Invalid, Unauthenticated } from '../../platform/errors.ts';
import { Strict, StringEnum } from '../../platform/http/schemas.ts';
import {
  refuseBadText,
  strictUtf8Text,
  textError,
  notUtf8,
} from '../../platform/http/text-guard.ts';
import {
  classifyProviderError,
  failureOfHttpAnswer,
  ProviderFailure,
  type AdapterAccount,
  type ChannelAdapter,
  type DeliveryReport,
  type InboundContact,
  type InboundRequest,
} from '../adapter.ts';
import { isChannel } from '../channel.ts';
import { bodyChecker } from '../body-check.ts';
import { ContactPointsSchema } from '../../customers/identities.ts';
import { interactionKinds, kindOfChannel } from '../../conversations/interactions.ts';
import { AttachmentSchema, maxAttachments } from '../attachments.ts';

export { signatureHeaderName };
/** A signature older (or further ahead) than this is refused: a captured request cannot be replayed. */
export const signatureToleranceMs = 5 * 60_000;
/** The account secret that signs both directions. */
export const signingSecretName = 'signingSecret';

/** The signature header for a body sent at `at` (epoch ms), in Rapport's one signing scheme. */
export function signatureHeader(secret: string, rawBody: Buffer | string, at: number): string {
  return signedHeader(secret, Math.floor(at / 1000), rawBody);
}

function headerOf(request: InboundRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : (value as string | undefined);
}

function secretOf(account: AdapterAccount | null): string {
  const secret = account?.secrets[signingSecretName];
  if (!secret) throw new Unauthenticated('the gateway account has no signing secret');
  return secret;
}

/** What the gateway POSTs to Rapport: contacts from customers and reports on what we sent. */
export const GatewayInbound = Strict({
  contacts: Type.Optional(
    Type.Array(
      Strict({
        /** The gateway's own id for the message: a re-delivery with the same id is ignored. */
        id: Type.String({ minLength: 1, maxLength: 300 }),
        kind: Type.Optional(StringEnum(interactionKinds.filter((k) => k !== 'note'))),
        from: Strict({
          ...ContactPointsSchema.properties,
          name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
        }),
        text: Type.Optional(Type.String({ maxLength: 100_000 })),
        html: Type.Optional(Type.String({ maxLength: 500_000 })),
        subject: Type.Optional(Type.String({ maxLength: 200 })),
        attachments: Type.Optional(Type.Array(AttachmentSchema, { maxItems: maxAttachments })),
        conversationId: Type.Optional(Type.Integer({ minimum: 1 })),
        occurredAt: Type.Optional(Type.String({ format: 'date-time' })),
        automated: Type.Optional(Type.Boolean()),
        headers: Type.Optional(Type.Record(Type.String(), Type.String({ maxLength: 1000 }))),
      }),
      { maxItems: 100 },
    ),
  ),
  deliveryReports: Type.Optional(
    Type.Array(
      Strict({
        /** The id the gateway answered when it took our message. */
        id: Type.String({ minLength: 1, maxLength: 300 }),
        state: StringEnum(['delivered', 'read', 'failed'] as const),
        reason: Type.Optional(Type.String({ maxLength: 500 })),
        occurredAt: Type.Optional(Type.String({ format: 'date-time' })),
      }),
      { maxItems: 500 },
    ),
  ),
});
export type GatewayInbound = Static<typeof GatewayInbound>;
const checkInbound = bodyChecker(GatewayInbound);

const provider = 'webhook';

function timeOf(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const at = Date.parse(value);
  if (Number.isNaN(at)) throw new Invalid('occurredAt', 'is not a date-time');
  return at;
}

/** The company's own gateway as a channel adapter. `now` is the clock for signing outbound requests. */
export function gatewayAdapter(now: () => number = Date.now): ChannelAdapter {
  return {
    provider,
    channel: 'any',

    verify(request, account) {
      const secret = secretOf(account);
      const header = headerOf(request, signatureHeaderName);
      if (!header) throw new Unauthenticated(`the ${signatureHeaderName} header is missing`);
      const why = verifySignature(
        secret,
        header,
        request.rawBody,
        request.receivedAt / 1000,
        signatureToleranceMs / 1000,
      );
      if (why) throw new Unauthenticated(`refused: ${why}`);
    },

    parse(request, account) {
      let raw: unknown;
      const text = strictUtf8Text(request.rawBody);
      if (text === undefined) throw textError('body', '', notUtf8);
      try {
        raw = JSON.parse(text);
      } catch {
        throw new Invalid('body', 'is not JSON');
      }
      refuseBadText('body', raw);
      const body = checkInbound(raw);
      const channel = account && isChannel(account.channel) ? account.channel : 'chat';
      const contacts: InboundContact[] = (body.contacts ?? []).map((c) => ({
        kind: c.kind ?? (kindOfChannel[channel] as InboundContact['kind']),
        from: c.from,
        text: c.text,
        html: c.html,
        subject: c.subject,
        attachments: c.attachments,
        provider,
        providerId: c.id,
        conversationId: c.conversationId,
        // It arrived on this account, at our own address there.
        ...(account ? { accountId: account.id, to: account.address } : {}),
        occurredAt: timeOf(c.occurredAt),
        automated: c.automated,
        headers: c.headers
          ? Object.fromEntries(Object.entries(c.headers).map(([k, v]) => [k.toLowerCase(), v]))
          : undefined,
      }));
      const deliveryReports: DeliveryReport[] = (body.deliveryReports ?? []).map((r) => ({
        provider,
        providerId: r.id,
        state: r.state,
        reason: r.reason,
        occurredAt: timeOf(r.occurredAt),
      }));
      return { contacts, deliveryReports };
    },

    async send(message, account) {
      const url = account.settings.sendUrl;
      if (typeof url !== 'string' || url === '')
        throw new ProviderFailure('permanent', 'the gateway account has no send URL');
      const body = JSON.stringify({
        interactionId: message.interactionId,
        conversationId: message.conversationId,
        channel: message.channel,
        kind: message.kind,
        from: account.address,
        to: message.to,
        subject: message.subject,
        text: message.text,
        html: message.html,
        attachments: message.attachments,
        threadId: message.threadId,
      });
      const answer = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'idempotency-key': message.idempotencyKey,
          [signatureHeaderName]: signatureHeader(secretOf(account), body, now()),
        },
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(15_000),
      });
      const text = await answer.text();
      if (!answer.ok)
        throw failureOfHttpAnswer(
          answer.status,
          text.slice(0, 300) || answer.statusText,
          answer.headers.get('retry-after'),
          now(),
        );
      let id: unknown;
      let threadId: unknown;
      try {
        ({ id, threadId } = JSON.parse(text) as { id?: unknown; threadId?: unknown });
      } catch {
        id = undefined;
      }
      if (typeof id !== 'string' && typeof id !== 'number')
        throw new ProviderFailure(
          'permanent',
          `the gateway answered ${answer.status} without an id`,
        );
      return {
        providerId: String(id),
        ...(typeof threadId === 'string' && threadId !== '' ? { threadId } : {}),
      };
    },

    classify: classifyProviderError,
  };
}
