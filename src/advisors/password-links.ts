/**
 * Set-password links: an administrator invites a person or resets their password, and the person
 * chooses a password on a page of their own. A link is single-use and expires; the database keeps
 * only the hash of its token, so whoever reads the database cannot use a link.
 */
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../platform/db/schema.ts';
import type { Unit } from '../platform/db/writer.ts';
import type { Actor } from '../platform/events/event.ts';
import { Conflict, Invalid, NotFound } from '../platform/errors.ts';
import { sha256 } from './advisors.ts';

/** Why a link was made: a first password, or a new one an administrator asked for. */
export type PasswordLinkPurpose = 'invite' | 'reset';

/** How long a link works: an invitation a week, a reset a day. */
export const passwordLinkTtlMs: Readonly<Record<PasswordLinkPurpose, number>> = {
  invite: 7 * 24 * 3_600_000,
  reset: 24 * 3_600_000,
};

/** A link just made: the token is shown once (to the administrator, in the email) and never kept. */
export interface IssuedPasswordLink {
  readonly id: number;
  readonly advisorId: number;
  readonly purpose: PasswordLinkPurpose;
  readonly token: string;
  readonly expiresAt: number;
  readonly name: string;
  readonly email: string;
}

/** The desk path of the set-password page; the token goes in the fragment, which no server logs. */
export function setPasswordPath(token: string): string {
  return `/desk/set-password#token=${token}`;
}

/**
 * Makes a set-password link for a person, replacing any earlier unused link of theirs. A reset
 * also ends the person's sessions and clears their old password: it no longer signs in.
 */
export async function issuePasswordLink(
  unit: Unit,
  advisorId: number,
  purpose: PasswordLinkPurpose,
  actor: Actor,
): Promise<IssuedPasswordLink> {
  const advisor = await unit.db
    .selectFrom('advisors')
    .select(['id', 'name', 'email', 'role', 'active', 'team_id', 'shop_id'])
    .where('id', '=', advisorId)
    .executeTakeFirst();
  if (!advisor) throw new NotFound('advisor');
  if (advisor.role === 'integration')
    throw new Invalid(
      'advisorId',
      'an integration account signs in with API tokens, not a password',
    );
  if (advisor.active !== 1)
    throw new Conflict('this person is switched off: switch them on before sending a link');
  // Only the newest link works: an invitation sent twice leaves one live link.
  await unit.db
    .updateTable('password_links')
    .set({ used_at: unit.now })
    .where('advisor_id', '=', advisorId)
    .where('used_at', 'is', null)
    .execute();
  const token = randomBytes(32).toString('base64url');
  const expiresAt = unit.now + passwordLinkTtlMs[purpose];
  const row = await unit.db
    .insertInto('password_links')
    .values({
      advisor_id: advisorId,
      token_hash: sha256(token),
      purpose,
      created_by: actor.id,
      created_at: unit.now,
      expires_at: expiresAt,
      used_at: null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  if (purpose === 'reset') {
    await unit.db
      .updateTable('advisors')
      .set({ password_hash: null, updated_at: unit.now })
      .where('id', '=', advisorId)
      .execute();
    await unit.db.deleteFrom('sessions').where('advisor_id', '=', advisorId).execute();
    // The account event closes the person's open screens (account-watch.ts).
    await unit.record({
      type: 'advisor.password-reset',
      actor,
      entity: { type: 'advisor', id: advisorId },
      after: { linkId: row.id, expiresAt: new Date(expiresAt).toISOString() },
    });
  } else {
    await unit.record({
      type: 'advisor.invited',
      actor,
      entity: { type: 'advisor', id: advisorId },
      scope: { teamId: advisor.team_id, shopId: advisor.shop_id },
      after: { linkId: row.id, expiresAt: new Date(expiresAt).toISOString() },
    });
  }
  return {
    id: row.id,
    advisorId,
    purpose,
    token,
    expiresAt,
    name: advisor.name,
    email: advisor.email,
  };
}

/** A link that still works, and whose it is. */
export interface LivePasswordLink {
  readonly id: number;
  readonly advisorId: number;
  readonly purpose: PasswordLinkPurpose;
  readonly name: string;
  readonly email: string;
  readonly expiresAt: number;
}

/** The live link a token opens, or undefined when it is unknown, used or expired. */
export async function livePasswordLink(
  db: Kysely<Database>,
  token: string,
  now: number,
): Promise<LivePasswordLink | undefined> {
  const row = await db
    .selectFrom('password_links')
    .innerJoin('advisors', 'advisors.id', 'password_links.advisor_id')
    .select([
      'password_links.id',
      'password_links.advisor_id',
      'password_links.purpose',
      'password_links.expires_at',
      'advisors.name',
      'advisors.email',
    ])
    .where('password_links.token_hash', '=', sha256(token))
    .where('password_links.used_at', 'is', null)
    .where('password_links.expires_at', '>', now)
    .where('advisors.active', '=', 1)
    .executeTakeFirst();
  return row
    ? {
        id: row.id,
        advisorId: row.advisor_id,
        purpose: row.purpose as PasswordLinkPurpose,
        name: row.name,
        email: row.email,
        expiresAt: Number(row.expires_at),
      }
    : undefined;
}

/** The same answer for a link that never was, was used, or expired: nothing to learn from it. */
export function deadLink(): NotFound {
  return new NotFound('set-password link (it was used already, it expired, or it never existed)');
}

/**
 * Uses a link: sets the person's password (already hashed) and ends any session they had. The
 * link is claimed by a guarded update, so two tabs using one link at once set one password.
 */
export async function usePasswordLink(
  unit: Unit,
  token: string,
  passwordHash: string,
): Promise<LivePasswordLink> {
  const link = await livePasswordLink(unit.db, token, unit.now);
  if (!link) throw deadLink();
  const claimed = await unit.db
    .updateTable('password_links')
    .set({ used_at: unit.now })
    .where('id', '=', link.id)
    .where('used_at', 'is', null)
    .executeTakeFirst();
  if (Number(claimed.numUpdatedRows) === 0) throw deadLink();
  await unit.db
    .updateTable('advisors')
    .set({ password_hash: passwordHash, updated_at: unit.now })
    .where('id', '=', link.advisorId)
    .execute();
  await unit.db.deleteFrom('sessions').where('advisor_id', '=', link.advisorId).execute();
  await unit.record({
    type: 'advisor.password-set',
    actor: { type: 'advisor', id: link.advisorId },
    entity: { type: 'advisor', id: link.advisorId },
    after: { linkId: link.id, purpose: link.purpose },
  });
  return link;
}

/**
 * How set-password links reach people by email. The server builds it from the email channel (an
 * enabled email account with an SMTP server); without one, the administrator copies the link.
 */
export interface PasswordLinkMailer {
  /** Whether the company can send a link by email now. */
  ready(db: Kysely<Database>): Promise<boolean>;
  /** Queues the email in the unit of work, so it leaves only if the link is stored. */
  queue(unit: Unit, link: IssuedPasswordLink, url: string): Promise<void>;
}
