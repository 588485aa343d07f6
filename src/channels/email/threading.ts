/**
 * Which case an email belongs to. A reply joins its case by In-Reply-To / References first (whatever
 * its subject says), then by the per-case reply address (`care+<token>@…`) in To, Cc, Delivered-To or
 * X-Original-To. A case found that way whose customer is not the sender is never joined silently.
 */
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../../platform/db/schema.ts';

/** The email provider name every email interaction carries, in or out. */
export const emailProvider = 'smtp';

/** The reply token of a case, made on first use. */
export async function ensureReplyToken(
  db: Kysely<Database>,
  conversationId: number,
  now: number,
): Promise<string> {
  const existing = await db
    .selectFrom('reply_tokens')
    .select('token')
    .where('conversation_id', '=', conversationId)
    .executeTakeFirst();
  if (existing) return existing.token;
  // 12 random bytes in base32 letters: unguessable, and safe in a mailbox's local part.
  const token = base32(randomBytes(12));
  await db
    .insertInto('reply_tokens')
    .values({ token, conversation_id: conversationId, created_at: now })
    .onConflict((oc) => oc.column('conversation_id').doNothing())
    .execute();
  const row = await db
    .selectFrom('reply_tokens')
    .select('token')
    .where('conversation_id', '=', conversationId)
    .executeTakeFirstOrThrow();
  return row.token;
}

/** `care@acme.test` with token `abc` → `care+abc@acme.test`. */
export function replyAddressOf(mailbox: string, token: string): string {
  const at = mailbox.lastIndexOf('@');
  return `${mailbox.slice(0, at)}+${token}${mailbox.slice(at)}`;
}

/** The mailbox and token of `care+abc@acme.test`; the token is null for a plain address. */
export function splitReplyAddress(address: string): { mailbox: string; token: string | null } {
  const lower = address.trim().toLowerCase();
  const match = /^([^+@]+)\+([a-z2-7]+)@(.+)$/.exec(lower);
  if (!match) return { mailbox: lower, token: null };
  return { mailbox: `${match[1]}@${match[3]}`, token: match[2]! };
}

const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
function base32(bytes: Buffer): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += alphabet[(value << (5 - bits)) & 31];
  return out;
}
