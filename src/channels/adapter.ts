/**
 * The one interface every channel adapter implements (email, chat, voice, SMS, social, the
 * company's own systems), small like a Kysely dialect: verify an inbound request, parse it into
 * domain contacts and delivery reports, send one outbound interaction, and classify every
 * provider failure into a closed set with one retry-or-fail policy each.
 */

import type { Attachment, InteractionKind } from '../api-types/conversations.ts';
import type { Channel } from './channel.ts';

/** How a provider can fail. Each kind has exactly one policy (`failurePolicies`). */
export const providerFailureKinds = [
  'temporary',
  'rate_limited',
  'permanent',
  'permission',
  'not_found',
] as const;
export type ProviderFailureKind = (typeof providerFailureKinds)[number];

/** What the send queue does with each kind of failure. */
export interface FailurePolicy {
  /** Try again later (with backoff, or after the provider's Retry-After). */
  readonly retry: boolean;
  /** Shown to the advisor beside a failed send. */
  readonly meaning: string;
}

export const failurePolicies: Readonly<Record<ProviderFailureKind, FailurePolicy>> = {
  temporary: { retry: true, meaning: 'the provider could not take it now; retried with backoff' },
  rate_limited: {
    retry: true,
    meaning: 'the provider asked us to slow down; retried after its wait',
  },
  permanent: { retry: false, meaning: 'the provider refused the message; it will not be retried' },
  permission: {
    retry: false,
    meaning: 'the account credentials were refused; fix the channel account, then retry',
  },
  not_found: {
    retry: false,
    meaning: 'the recipient or the conversation no longer exists at the provider',
  },
};

/** A provider's failure, reduced to one of the closed set of kinds. */
export class ProviderFailure extends Error {
  readonly kind: ProviderFailureKind;
  /** How long the provider asked us to wait (rate limits, Retry-After on 503). */
  readonly retryAfterMs: number | undefined;
  constructor(kind: ProviderFailureKind, reason: string, retryAfterMs?: number) {
    super(reason);
    this.kind = kind;
    this.retryAfterMs = retryAfterMs;
  }
  get retry(): boolean {
    return failurePolicies[this.kind].retry;
  }
}

/**
 * Reads a Retry-After header (RFC 9110 §10.2.3: delay-seconds or an HTTP date) as milliseconds
 * from `now`; undefined when absent or unreadable.
 */
export function parseRetryAfter(value: string | null | undefined, now: number): number | undefined {
  if (value === null || value === undefined || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

/** The failure kind an HTTP status from a provider's API means. */
export function kindOfHttpStatus(status: number): ProviderFailureKind {
  if (status === 429) return 'rate_limited';
  if (status === 401 || status === 403) return 'permission';
  if (status === 404 || status === 410) return 'not_found';
  if (status === 408 || status === 425 || status >= 500) return 'temporary';
  return 'permanent';
}

/** A failed HTTP answer from a provider as a `ProviderFailure`, keeping its Retry-After. */
export function failureOfHttpAnswer(
  status: number,
  detail: string,
  retryAfter: string | null | undefined,
  now: number,
): ProviderFailure {
  return new ProviderFailure(
    kindOfHttpStatus(status),
    `${status}: ${detail}`.slice(0, 500),
    parseRetryAfter(retryAfter, now),
  );
}

// Socket-level errors a retry can cure: the provider or the network is having a moment.
const temporaryNetworkCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

/**
 * Any error thrown while talking to a provider, reduced to the closed set: a `ProviderFailure`
 * stays as it is, network errors are temporary, anything unknown is temporary too (retrying an
 * unknown failure a bounded number of times is safer than dropping a customer's answer).
 */
export function classifyProviderError(error: unknown): ProviderFailure {
  if (error instanceof ProviderFailure) return error;
  const code = networkCodeOf(error);
  const reason = error instanceof Error ? error.message : String(error);
  if (code && temporaryNetworkCodes.has(code))
    return new ProviderFailure('temporary', `${code}: ${reason}`.slice(0, 500));
  if (error instanceof Error && error.name === 'TimeoutError')
    return new ProviderFailure('temporary', `timed out: ${reason}`.slice(0, 500));
  return new ProviderFailure('temporary', reason.slice(0, 500));
}

function networkCodeOf(error: unknown): string | undefined {
  const own = (error as { code?: unknown } | null)?.code;
  if (typeof own === 'string') return own;
  // fetch wraps the socket error in `cause`.
  const cause = (error as { cause?: { code?: unknown } } | null)?.cause?.code;
  return typeof cause === 'string' ? cause : undefined;
}

// ---------------------------------------------------------------------------------------------
// The adapter contract. Types only: adapters (src/channels/<name>/) implement it, the domain uses it
// through a registry the server builds, and never imports an adapter.

/** What an inbound contact tells us about who sent it, before normalising. */
export interface ContactPoints {
  readonly email?: string | undefined;
  readonly phone?: string | undefined;
  readonly social?: { readonly network: string; readonly handle: string } | undefined;
  readonly external?: { readonly system: string; readonly id: string } | undefined;
}

/** One contact from a customer, as any channel hands it to the domain. */
export interface InboundContact {
  readonly kind: Exclude<InteractionKind, 'note'>;
  readonly from: ContactPoints & { readonly name?: string | undefined };
  readonly text?: string | undefined;
  readonly html?: string | undefined;
  readonly subject?: string | undefined;
  readonly attachments?: readonly Attachment[] | undefined;
  /** Which system delivered it (twilio, meta, smtp…) and its own id for the message: re-deliveries are ignored. */
  readonly provider?: string | undefined;
  readonly providerId?: string | undefined;
  /** Set when the channel already knows the case (an email reply's thread, a chat session). */
  readonly conversationId?: number | undefined;
  readonly shopId?: number | undefined;
  readonly teamId?: number | undefined;
  readonly occurredAt?: number | undefined;
  /** The channel account it arrived on; found by `to` when not given. */
  readonly accountId?: number | undefined;
  /** The address it was sent to (our mailbox, our number, our page) and who else was copied. */
  readonly to?: string | undefined;
  readonly cc?: readonly string[] | undefined;
  /** The provider's thread key (an email's Message-ID chain, a chat session, a call). */
  readonly threadId?: string | undefined;
  /**
   * The sender says it is a machine (an auto-reply, a bounce, a bulk mailing): the adapter sets it
   * from the provider's own marks; the domain adds its own (headers, our own address).
   */
  readonly automated?: boolean | undefined;
  /** Message headers where the channel has them (email's Auto-Submitted, Precedence…), lower-case names. */
  readonly headers?: Readonly<Record<string, string>> | undefined;
  /**
   * The channel says this contact is a matter of its own (an email with a new subject, no thread):
   * it opens a case of its own instead of joining the customer's active one.
   */
  readonly newCase?: boolean | undefined;
  /**
   * The channel could not verify the sender (an email failing DMARC): the contact lands on a record
   * of its own for that address, never merged into an existing customer.
   */
  readonly unverified?: boolean | undefined;
}

/** Delivery states an outbound interaction moves through, in order; `failed` ends it (until a retry). */
export const deliveryProgress = ['queued', 'sending', 'sent', 'delivered', 'read'] as const;
export type DeliveryProgress = (typeof deliveryProgress)[number];

/** A provider telling us what became of a message we sent, by the id it gave us. */
export interface DeliveryReport {
  readonly provider: string;
  readonly providerId: string;
  readonly state: 'delivered' | 'read' | 'failed';
  /** The provider's words for a failure (shown to the advisor). */
  readonly reason?: string | undefined;
  readonly occurredAt?: number | undefined;
}

/** The channel account a message comes in on or goes out on, as an adapter needs it. */
export interface AdapterAccount {
  readonly id: number;
  readonly channel: Channel;
  readonly provider: string;
  /** Our own address on the channel (a mailbox, a phone number, a page id): its echoes are ignored. */
  readonly address: string;
  /** Non-secret settings, among them the provider's base URL (tests point it at a local server). */
  readonly settings: Readonly<Record<string, string | number | boolean>>;
  /** Opened secrets (a signing secret, an API key): for the adapter only, never logged or answered. */
  readonly secrets: Readonly<Record<string, string>>;
}

/** An inbound HTTP request as a provider sent it: the raw bytes are what a signature covers. */
export interface InboundRequest {
  readonly headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  readonly rawBody: Buffer;
  /** The body already parsed, where the platform parsed it (JSON routes); adapters still check it. */
  readonly body?: unknown;
  /** When it arrived (epoch ms, the server's clock): stale signatures are refused. */
  readonly receivedAt: number;
  /** Who the platform already authenticated (a bearer integration token), if anyone. */
  readonly caller?: { readonly id: number; readonly role: string } | null | undefined;
}

/** What an inbound request carried, in domain terms. */
export interface ParsedInbound {
  readonly contacts: readonly InboundContact[];
  readonly deliveryReports: readonly DeliveryReport[];
}

/** One reply on its way out. */
export interface OutboundMessage {
  readonly interactionId: number;
  readonly conversationId: number;
  readonly channel: Channel;
  readonly kind: Exclude<InteractionKind, 'note'>;
  /** The customer's address on the channel; null where the provider knows it from the thread. */
  readonly to: string | null;
  readonly subject: string;
  readonly text: string;
  readonly html: string | null;
  readonly attachments: readonly Attachment[];
  /** The provider's thread this reply belongs in, when the case has one. */
  readonly threadId: string | null;
  /** The same for every attempt of this send: a provider that honours it sends one message. */
  readonly idempotencyKey: string;
  /** Written by Rapport itself, not by a person: marked as such (email's Auto-Submitted), so no one auto-answers it. */
  readonly automatic?: boolean | undefined;
}

/** What a provider answers for a message it took. */
export interface SendReceipt {
  readonly providerId: string;
  readonly threadId?: string | undefined;
}

/** The half of an adapter that takes contacts in. */
export interface InboundAdapter {
  readonly provider: string;
  /** The channel it carries, or `any` for the company's own gateway (its account says which). */
  readonly channel: Channel | 'any';
  /** Refuses a request that is not from the provider (signature, secret, allow-list, replay). */
  verify(request: InboundRequest, account: AdapterAccount | null): void | Promise<void>;
  /** Reads a verified request into contacts and delivery reports; refuses a malformed one. */
  parse(request: InboundRequest, account: AdapterAccount | null): ParsedInbound;
}

/** A whole channel adapter: in, out, and what its failures mean. */
export interface ChannelAdapter extends InboundAdapter {
  /** Sends one message; throws a `ProviderFailure` (see `classify`) when the provider did not take it. */
  send(message: OutboundMessage, account: AdapterAccount): Promise<SendReceipt>;
  /** Reduces anything `send` threw to the closed set (usually `classifyProviderError`). */
  classify(error: unknown): ProviderFailure;
}

/** The adapters a server runs, by provider. Built at the edge (server.ts) and handed to the domain. */
export type AdapterRegistry = ReadonlyMap<string, ChannelAdapter>;
