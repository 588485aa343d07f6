/**
 * Twilio's request signatures (X-Twilio-Signature): HMAC-SHA1 with the account's auth token over the
 * URL Twilio requested plus the form parameters sorted by name; for JSON bodies the URL carries a
 * `bodySHA256` parameter and the body's hash is checked against it. The `twilio` package's own
 * validators do the arithmetic (and try the URL with and without its :443 / :80 port, which Twilio
 * signs differently for TwiML fetches and status callbacks); this module finds the URL.
 */
import webhooks from 'twilio/lib/webhooks/webhooks.js';

/** The header Twilio signs with (lower-case, as Node hands headers over). */
export const twilioSignatureHeader = 'x-twilio-signature';

/** What the URL of a request is made of, as the HTTP layer saw it. */
export interface RequestAddress {
  /** Fastify's `request.protocol` and `request.host`: X-Forwarded-Proto/Host only from trusted proxies. */
  readonly protocol: string;
  readonly host: string;
  /** The path and query string as requested. */
  readonly url: string;
}

/**
 * The URL Twilio requested: RAPPORT_PUBLIC_URL (with any path prefix it has) before the request's
 * path, or, without that setting, the request's own scheme and host.
 */
export function publicUrlOf(publicUrl: string | undefined, request: RequestAddress): string {
  const base = publicUrl ?? `${request.protocol}://${request.host}`;
  return `${base}${request.url}`;
}

/** The base URL status callbacks and TwiML actions point at, without a trailing slash. */
export function publicBaseOf(publicUrl: string | undefined, request: RequestAddress): string {
  return publicUrl ?? `${request.protocol}://${request.host}`;
}

/** A form body's parameters, repeated names as arrays (as Twilio signs them). */
export function formParams(rawBody: Buffer): Record<string, string | string[]> {
  const params: Record<string, string | string[]> = {};
  for (const [name, value] of new URLSearchParams(rawBody.toString('utf8'))) {
    const seen = params[name];
    params[name] =
      seen === undefined ? value : Array.isArray(seen) ? [...seen, value] : [seen, value];
  }
  return params;
}

/** Whether `signature` is Twilio's for this form request (the URL with or without its port). */
export function validFormSignature(
  authToken: string,
  signature: string,
  url: string,
  params: Record<string, string | string[]>,
): boolean {
  return webhooks.validateRequest(authToken, signature, url, params);
}

/** Whether `signature` is Twilio's for a JSON request: the URL signed, the body matching `bodySHA256`. */
export function validJsonSignature(
  authToken: string,
  signature: string,
  url: string,
  rawBody: Buffer,
): boolean {
  return webhooks.validateRequestWithBody(authToken, signature, url, rawBody.toString('utf8'));
}

/** The signature Twilio sends for a form request (tests, the demo's signing example). */
export function twilioSignature(
  authToken: string,
  url: string,
  params: Record<string, string | string[]>,
): string {
  return webhooks.getExpectedTwilioSignature(authToken, url, params);
}
