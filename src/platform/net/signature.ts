import crypto from 'node:crypto';

/**
 * Rapport's one signing scheme, used by outbound webhooks and both directions of the company's
 * gateway: the `rapport-signature` header, `t=<unix seconds>,v1=<hex>` where the hex is
 * HMAC-SHA256 under the shared secret of `<t>.<raw body bytes>`. Binding the time into the MAC lets
 * a receiver refuse a replayed request by its age.
 */

/** The header's name. */
export const signatureHeaderName = 'rapport-signature';

/** A new signing secret: `whsec_` and 32 random bytes, URL-safe. */
export function newSigningSecret(): string {
  return `whsec_${crypto.randomBytes(32).toString('base64url')}`;
}

/** The header value for a body sent at `unixSeconds`. */
export function signatureHeader(
  secret: string,
  unixSeconds: number,
  body: Buffer | string,
): string {
  const mac = crypto
    .createHmac('sha256', secret)
    .update(`${unixSeconds}.`)
    .update(body)
    .digest('hex');
  return `t=${unixSeconds},v1=${mac}`;
}

/**
 * What a receiver does: checks the header against the raw body, in constant time, and refuses a
 * timestamp further than `toleranceSeconds` from `nowSeconds`. Returns why it failed, or null.
 */
export function verifySignature(
  secret: string,
  header: string,
  body: Buffer | string,
  nowSeconds: number,
  toleranceSeconds = 300,
): string | null {
  const parts = new Map<string, string[]>();
  for (const piece of header.split(',')) {
    const at = piece.indexOf('=');
    if (at < 1) continue;
    const name = piece.slice(0, at).trim();
    parts.set(name, [...(parts.get(name) ?? []), piece.slice(at + 1).trim()]);
  }
  const t = parts.get('t')?.[0];
  if (t === undefined || !/^\d+$/.test(t)) return 'no timestamp';
  if (Math.abs(nowSeconds - Number(t)) > toleranceSeconds) return 'timestamp outside the tolerance';
  const expected = Buffer.from(
    crypto.createHmac('sha256', secret).update(`${t}.`).update(body).digest('hex'),
  );
  // Any matching v1 value is enough, so a later sender may add one per secret without breaking this.
  for (const candidate of parts.get('v1') ?? []) {
    const given = Buffer.from(candidate);
    if (given.length === expected.length && crypto.timingSafeEqual(given, expected)) return null;
  }
  return 'signature does not match';
}
