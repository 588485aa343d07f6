import type { Kysely } from 'kysely';
import type { Database } from '../platform/db/schema.ts';
import type { Unit, Writer } from '../platform/db/writer.ts';
import { DomainError } from '../platform/errors.ts';

/**
 * How many failed sign-ins are allowed within the window: per client address (many accounts
 * guessed from one place) and per account (one account guessed from many places). Counted in the
 * database, so every node sees the same tries.
 */
export const loginLimits = {
  windowMs: 10 * 60_000,
  perAddress: 10,
  perAccount: 5,
} as const;

/** Too many failed sign-ins: wait `retryAfterSeconds`. */
export class TooManyAttempts extends DomainError {
  readonly retryAfterSeconds: number;
  constructor(retryAfterSeconds: number) {
    super('too many failed sign-ins; try again later', 'rate-limited');
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

const addressKey = (address: string) => `address:${address}`;
const accountKey = (email: string) => `account:${email.trim().toLowerCase()}`;

async function triesOf(
  db: Kysely<Database>,
  key: string,
  since: number,
): Promise<{ count: number; oldest: number | null }> {
  const row = await db
    .selectFrom('login_attempts')
    .select((eb) => [eb.fn.countAll<string | number>().as('count'), eb.fn.min('at').as('oldest')])
    .where('key', '=', key)
    .where('at', '>', since)
    .executeTakeFirst();
  return {
    count: Number(row?.count ?? 0),
    oldest: row?.oldest == null ? null : Number(row.oldest),
  };
}

/**
 * Throws TooManyAttempts when the address or the account has used up its failed tries; checked
 * before the password, so a limited caller learns nothing about it.
 */
export async function checkLoginAllowed(
  db: Kysely<Database>,
  address: string,
  email: string,
  now: number,
): Promise<void> {
  const since = now - loginLimits.windowMs;
  for (const [key, limit] of [
    [addressKey(address), loginLimits.perAddress],
    [accountKey(email), loginLimits.perAccount],
  ] as const) {
    const { count, oldest } = await triesOf(db, key, since);
    if (count >= limit) {
      const freeAt = (oldest ?? now) + loginLimits.windowMs;
      throw new TooManyAttempts(Math.max(1, Math.ceil((freeAt - now) / 1000)));
    }
  }
}

/** Counts one failed sign-in against the address and the account; forgets tries past the window. */
export async function recordLoginFailure(
  writer: Writer,
  address: string,
  email: string,
): Promise<void> {
  await writer.run(async (unit) => {
    await unit.db
      .deleteFrom('login_attempts')
      .where('at', '<=', unit.now - loginLimits.windowMs)
      .execute();
    await unit.db
      .insertInto('login_attempts')
      .values([
        { key: addressKey(address), at: unit.now },
        { key: accountKey(email), at: unit.now },
      ])
      .execute();
  });
}

/** A successful sign-in clears the account's failed tries (the address keeps its count). */
export async function clearLoginFailures(unit: Unit, email: string): Promise<void> {
  // Tries past the window go too: the emails typed at a failed sign-in are kept no longer than needed.
  await unit.db
    .deleteFrom('login_attempts')
    .where((eb) =>
      eb.or([eb('key', '=', accountKey(email)), eb('at', '<=', unit.now - loginLimits.windowMs)]),
    )
    .execute();
}
