/**
 * The one interface every channel adapter implements (email, chat, voice, SMS, social, the
 * company's own systems), small like a Kysely dialect: verify an inbound request, parse it into
 * domain contacts and delivery reports, send one outbound interaction, and classify every
 * provider failure into a closed set with one retry-or-fail policy each.
 */

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
