/**
 * Set-password links by email: an invitation or a reset leaves from the company's first email
 * account with an SMTP server, as a job queued with the link (so it leaves only if the link was
 * stored, and is retried when the server is away). The job carries the link sealed with the
 * server's secret key: the database never holds a usable link in clear.
 */
import nodemailer from 'nodemailer';
import type { Kysely } from 'kysely';
import type { Database } from '../../platform/db/schema.ts';
import { enqueueJob, JobFailure, type JobHandler } from '../../platform/jobs/jobs.ts';
import type { SecretBox } from '../../platform/secrets.ts';
import type { PasswordLinkMailer } from '../../advisors/password-links.ts';
import type { AccountLookup } from '../send-queue.ts';
import { classifySmtpError, transportOptionsOf } from './email-adapter.ts';

/** The job type of one set-password email. */
export const passwordLinkMailJobType = 'advisor.password-link-email';

interface PasswordLinkMailPayload {
  readonly linkId: number;
  readonly accountId: number;
  readonly to: string;
  readonly name: string;
  readonly purpose: 'invite' | 'reset';
  readonly sealedUrl: string;
}

/** The first enabled email account with an SMTP server, or undefined. */
async function sendingAccount(db: Kysely<Database>): Promise<number | undefined> {
  const rows = await db
    .selectFrom('channel_accounts')
    .select(['id', 'settings'])
    .where('channel', '=', 'email')
    .where('enabled', '=', 1)
    .orderBy('id')
    .execute();
  return rows.find((row) => {
    const host = (JSON.parse(row.settings) as { smtpHost?: unknown }).smtpHost;
    return typeof host === 'string' && host !== '';
  })?.id;
}

/** The mailer the advisors' routes are handed: ready when an account can send and secrets can be sealed. */
export function passwordLinkMailer(box: SecretBox): PasswordLinkMailer {
  return {
    async ready(db) {
      return box.ready && (await sendingAccount(db)) !== undefined;
    },
    async queue(unit, link, url) {
      const accountId = await sendingAccount(unit.db);
      if (accountId === undefined) return;
      const payload: PasswordLinkMailPayload = {
        linkId: link.id,
        accountId,
        to: link.email,
        name: link.name,
        purpose: link.purpose,
        sealedUrl: box.seal(url),
      };
      await enqueueJob(unit, {
        type: passwordLinkMailJobType,
        payload,
        key: `password-link:${link.id}`,
        maxAttempts: 5,
      });
    },
  };
}

/** The email's words: who invites, what the link does, until when. */
export function passwordLinkText(
  payload: Pick<PasswordLinkMailPayload, 'name' | 'purpose'>,
  url: string,
  expiresAt: Date,
): { subject: string; text: string } {
  const until = `${expiresAt.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  return payload.purpose === 'invite'
    ? {
        subject: 'You are invited to Rapport',
        text: `Hello ${payload.name},\n\nYou have been given an account on Rapport. Choose your password here:\n\n${url}\n\nThe link works once, until ${until}.\n`,
      }
    : {
        subject: 'Set a new Rapport password',
        text: `Hello ${payload.name},\n\nAn administrator reset your Rapport password. Choose a new one here:\n\n${url}\n\nThe link works once, until ${until}. If you did not expect this, tell your administrator.\n`,
      };
}

/** The job's handler: sends the email unless the link was used, replaced or expired meanwhile. */
export function passwordLinkMailJobs(deps: {
  readonly db: Kysely<Database>;
  readonly box: SecretBox;
  readonly accounts: AccountLookup;
  readonly now: () => number;
}): Record<string, JobHandler> {
  return {
    [passwordLinkMailJobType]: async (job) => {
      const payload = job.payload as PasswordLinkMailPayload;
      const link = await deps.db
        .selectFrom('password_links')
        .select(['used_at', 'expires_at'])
        .where('id', '=', payload.linkId)
        .executeTakeFirst();
      if (!link || link.used_at !== null || Number(link.expires_at) <= deps.now()) return;
      const account = await deps.accounts.byId(deps.db, payload.accountId);
      if (!account)
        throw new JobFailure({
          retry: 'never',
          reason: 'the email account is gone or switched off',
        });
      const { subject, text } = passwordLinkText(
        payload,
        deps.box.open(payload.sealedUrl),
        new Date(Number(link.expires_at)),
      );
      const transport = nodemailer.createTransport(transportOptionsOf(account));
      try {
        await transport.sendMail({
          from: { name: 'Rapport', address: account.address },
          to: payload.to,
          subject,
          text,
          headers: { 'Auto-Submitted': 'auto-generated' },
        });
      } catch (error) {
        const failure = classifySmtpError(error);
        throw new JobFailure({ retry: failure.retry ? 'later' : 'never', reason: failure.message });
      } finally {
        transport.close();
      }
    },
  };
}
