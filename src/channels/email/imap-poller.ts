/**
 * IMAP polling: reads each email account's mailbox by UID, above the last UID taken under the
 * mailbox's UIDVALIDITY, whatever its flags (a mail someone else already read is still taken), and
 * hands every new message's raw bytes to `take`, once. A renumbered mailbox (new UIDVALIDITY) is read
 * again from the start and known by Message-ID. A refused login, a lost connection or a timeout marks
 * the mailbox disconnected with the reason and retries with a capped exponential backoff; the next
 * successful read takes everything that arrived meanwhile.
 */
import { normaliseMessageId } from './mime.ts';
import { createHash, randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { ImapFlow, type FetchMessageObject, type MailboxObject } from 'imapflow';
import type { Logger } from 'pino';
import type { Database, ImapMailboxesTable } from '../../platform/db/schema.ts';
import type { Unit, Writer } from '../../platform/db/writer.ts';
import type { Actor } from '../../platform/events/event.ts';
import type { SecretBox } from '../../platform/secrets.ts';
import { NotFound } from '../../platform/errors.ts';
import { accountSecrets, getChannelAccount, listChannelAccounts } from '../channel-accounts.ts';
import type { MailboxState, MailboxStatus } from '../../api-types/channels.ts';

export type { MailboxState, MailboxStatus };

/** An email account whose mailbox is read over IMAP, with what it takes to log in. */
export interface ImapAccount {
  readonly id: number;
  readonly address: string;
  readonly teamId: number | null;
  readonly host: string;
  readonly port: number;
  /** TLS from the start (port 993); otherwise STARTTLS when the server offers it. */
  readonly secure: boolean;
  readonly user: string;
  /** Null when the account has no `imapPassword` secret: it is shown disconnected until it has one. */
  readonly password: string | null;
  readonly mailbox: string;
  /** Whether a message taken is flagged `\Seen` on the server (settings `imapMarkSeen`; off by default). */
  readonly markSeen: boolean;
}

/** What a message from a mailbox is handed to: the lead's ingest (store, parse, thread). */
export type TakeMessage = (
  raw: Buffer,
  meta: { readonly accountId: number; readonly via: 'imap' },
) => Promise<void>;

export interface ImapPollingOptions {
  readonly writer: Writer;
  /** The write handle (`store.db`): reads here must see the writer's commits. */
  readonly db: Kysely<Database>;
  /** The accounts to poll now; asked again at every interval, so added or changed accounts are picked up. */
  readonly accounts: () => Promise<readonly ImapAccount[]>;
  readonly take: TakeMessage;
  /** Time between two reads of a mailbox that answers. */
  readonly intervalMs: number;
  /** Waits after failures in a row: base · 2^(failures-1), at most cap, with jitter down to half. */
  readonly backoff?: { readonly baseMs: number; readonly capMs: number };
  /** How long connecting, the greeting and any silence of the server may last. */
  readonly timeoutMs?: number;
  readonly logger: Logger;
  /** Who holds the mailboxes' leases; one per process. */
  readonly node?: string;
  readonly random?: () => number;
}

export interface ImapPolling {
  /** Stops every timer, closes the connections and lets other nodes take the mailboxes over. */
  stop(): Promise<void>;
  /** Reads one account's mailbox now (after any read under way) and answers its status. */
  pollNow(accountId: number): Promise<MailboxStatus>;
}

const defaultBackoff = { baseMs: 5_000, capMs: 15 * 60_000 };
const defaultTimeoutMs = 30_000;

/** The enabled email accounts whose settings name an `imapHost`, with their IMAP password opened. */
export async function imapAccounts(db: Kysely<Database>, box: SecretBox): Promise<ImapAccount[]> {
  const accounts = await listChannelAccounts(db, { channel: 'email' });
  const polled: ImapAccount[] = [];
  for (const account of accounts) {
    const settings = account.settings;
    if (!account.enabled || typeof settings.imapHost !== 'string' || settings.imapHost === '')
      continue;
    const secure = settings.imapSecure === true;
    const password = account.secretsSet.includes('imapPassword')
      ? ((await accountSecrets(db, box, account.id)).imapPassword ?? null)
      : null;
    polled.push({
      id: account.id,
      address: account.address,
      teamId: account.teamId,
      host: settings.imapHost,
      port: typeof settings.imapPort === 'number' ? settings.imapPort : secure ? 993 : 143,
      secure,
      user: typeof settings.imapUser === 'string' ? settings.imapUser : account.address,
      password,
      mailbox: typeof settings.imapMailbox === 'string' ? settings.imapMailbox : 'INBOX',
      markSeen: settings.imapMarkSeen === true,
    });
  }
  return polled;
}

/** An account's mailbox as the poller last found it; NotFound when the account reads no mailbox. */
export async function mailboxStatus(
  db: Kysely<Database>,
  accountId: number,
): Promise<MailboxStatus> {
  const row = await db
    .selectFrom('imap_mailboxes')
    .selectAll()
    .where('account_id', '=', accountId)
    .executeTakeFirst();
  if (row) return statusOf(row);
  const account = await getChannelAccount(db, accountId);
  if (account.channel !== 'email' || typeof account.settings.imapHost !== 'string')
    throw new NotFound('IMAP mailbox of this account');
  // Configured but not read yet.
  return {
    state: 'connecting',
    lastError: null,
    lastSuccessAt: null,
    nextAttemptAt: null,
    disconnectedSince: null,
    uidValidity: null,
    lastUid: 0,
  };
}

function statusOf(row: ImapMailboxesTable): MailboxStatus {
  const at = (ms: number | null) => (ms === null ? null : new Date(Number(ms)).toISOString());
  return {
    state: row.state as MailboxState,
    lastError: row.last_error,
    lastSuccessAt: at(row.last_success_at),
    nextAttemptAt: at(row.next_attempt_at),
    disconnectedSince: at(row.disconnected_since),
    uidValidity: row.uid_validity === null ? null : Number(row.uid_validity),
    lastUid: Number(row.last_uid),
  };
}

/** The key of a message without a Message-ID, as the ingest names it: its content hash. */
function contentMessageId(raw: Buffer): string {
  return `${createHash('sha256').update(raw).digest('hex')}@rapport.invalid`;
}

/** A failure of `take`: the mailbox answers, the message is read again at the next attempt. */
class TakeFailed extends Error {
  constructor(uid: number, cause: unknown) {
    super(
      `taking message UID ${uid} failed: ${cause instanceof Error ? cause.message : String(cause)}`,
    );
  }
}

/** The few words an administrator needs for why a mailbox cannot be read. */
export function disconnectionReason(error: unknown, account: ImapAccount): string {
  const e = (error ?? {}) as {
    code?: string;
    message?: string;
    authenticationFailed?: boolean;
    responseText?: string;
    mailboxMissing?: boolean;
  };
  const where = `${account.host}:${account.port}`;
  if (e.authenticationFailed) return `login refused: ${e.responseText ?? e.message ?? 'no reason'}`;
  if (e.mailboxMissing) return `mailbox ${account.mailbox} not found`;
  switch (e.code) {
    case 'ECONNREFUSED':
      return `connection refused by ${where}`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `host ${account.host} not found`;
    case 'ETIMEDOUT':
    case 'ETIMEOUT':
    case 'CONNECT_TIMEOUT':
    case 'GREETING_TIMEOUT':
    case 'UPGRADE_TIMEOUT':
      return `timed out talking to ${where}`;
    case 'ECONNRESET':
    case 'EPIPE':
    case 'NoConnection':
    case 'EConnectionClosed':
    case 'ClosedAfterConnectText':
    case 'ClosedAfterConnectTLS':
      return `connection to ${where} lost`;
  }
  return e.message ?? String(error);
}

interface Watcher {
  account: ImapAccount;
  /** Reads of this mailbox run one after another. */
  chain: Promise<unknown>;
  timer: NodeJS.Timeout | undefined;
}

/** Starts polling every account `accounts()` lists; see the module comment for the guarantees. */
export function startImapPolling(options: ImapPollingOptions): ImapPolling {
  const { writer, db, take, intervalMs, logger } = options;
  const backoff = options.backoff ?? defaultBackoff;
  const timeoutMs = options.timeoutMs ?? defaultTimeoutMs;
  const node = options.node ?? randomUUID();
  const random = options.random ?? Math.random;
  const leaseMs = Math.max(intervalMs * 3, timeoutMs * 4);
  const watchers = new Map<number, Watcher>();
  let stopped = false;
  let refreshTimer: NodeJS.Timeout | undefined;

  const actorOf = (account: ImapAccount): Actor => ({ type: 'channel', id: account.id });

  async function mailboxRow(account: ImapAccount): Promise<ImapMailboxesTable> {
    return writer.run(async (unit) => {
      const row = await unit.db
        .selectFrom('imap_mailboxes')
        .selectAll()
        .where('account_id', '=', account.id)
        .executeTakeFirst();
      if (row && row.mailbox === account.mailbox) return row;
      // Another mailbox of the same account is read from its start.
      const fresh = {
        mailbox: account.mailbox,
        uid_validity: null,
        last_uid: 0,
        state: row?.state ?? 'connecting',
        updated_at: unit.now,
      };
      if (row)
        return unit.db
          .updateTable('imap_mailboxes')
          .set(fresh)
          .where('account_id', '=', account.id)
          .returningAll()
          .executeTakeFirstOrThrow();
      return unit.db
        .insertInto('imap_mailboxes')
        .values({ account_id: account.id, ...fresh, failures: 0 })
        .returningAll()
        .executeTakeFirstOrThrow();
    });
  }

  /** Takes the mailbox's lease for this node; false while another node holds it. */
  async function claim(accountId: number): Promise<boolean> {
    return writer.run(async (unit) => {
      const result = await unit.db
        .updateTable('imap_mailboxes')
        .set({ lease_owner: node, lease_until: unit.now + leaseMs })
        .where('account_id', '=', accountId)
        .where((eb) =>
          eb.or([
            eb('lease_owner', 'is', null),
            eb('lease_owner', '=', node),
            eb('lease_until', '<', unit.now),
          ]),
        )
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    });
  }

  /**
   * A new connection for each read: its SELECT reports the mailbox as it is now (new messages, a new
   * UIDVALIDITY), and nothing is left half-open between two reads.
   */
  async function connect(account: ImapAccount): Promise<ImapFlow> {
    if (account.password === null) throw new Error('no imapPassword secret is set');
    const client = new ImapFlow({
      host: account.host,
      port: account.port,
      secure: account.secure,
      auth: { user: account.user, pass: account.password },
      logger: false,
      disableAutoIdle: true,
      connectionTimeout: timeoutMs,
      greetingTimeout: timeoutMs,
      socketTimeout: timeoutMs,
    });
    // Without a listener a dropped connection's 'error' would end the process; the read reports it.
    client.on('error', (error: Error) =>
      logger.debug({ err: error, accountId: account.id }, 'IMAP connection error'),
    );
    try {
      await client.connect();
    } catch (error) {
      client.close();
      throw error;
    }
    return client;
  }

  async function recordTaken(
    account: ImapAccount,
    uidValidity: number,
    uid: number,
    messageId: string | null,
  ): Promise<void> {
    await writer.run(async (unit) => {
      if (messageId !== null)
        await unit.db
          .insertInto('imap_seen')
          .values({
            account_id: account.id,
            uid_validity: uidValidity,
            uid,
            message_id: messageId,
            taken_at: unit.now,
          })
          .onConflict((oc) => oc.doNothing())
          .execute();
      await unit.db
        .updateTable('imap_mailboxes')
        .set({ last_uid: uid, updated_at: unit.now })
        .where('account_id', '=', account.id)
        .where('uid_validity', '=', uidValidity)
        .where('last_uid', '<', uid)
        .execute();
    });
  }

  async function knownMessage(accountId: number, messageId: string): Promise<boolean> {
    const row = await db
      .selectFrom('imap_seen')
      .select('uid')
      .where('account_id', '=', accountId)
      .where('message_id', '=', messageId)
      .limit(1)
      .executeTakeFirst();
    return row !== undefined;
  }

  /** A new UIDVALIDITY: every UID before means nothing now, so the mailbox is read from its start. */
  async function renumbered(
    account: ImapAccount,
    before: number | null,
    uidValidity: number,
  ): Promise<void> {
    if (before !== null)
      logger.warn(
        { accountId: account.id, before, after: uidValidity },
        'IMAP mailbox renumbered (new UIDVALIDITY): reading it again, known messages are skipped by Message-ID',
      );
    await writer.run(async (unit) => {
      await unit.db
        .updateTable('imap_mailboxes')
        .set({ uid_validity: uidValidity, last_uid: 0, updated_at: unit.now })
        .where('account_id', '=', account.id)
        .execute();
      if (before !== null)
        await unit.record({
          type: 'channel-account.mailbox-renumbered',
          actor: actorOf(account),
          entity: { type: 'channel_account', id: account.id },
          scope: { teamId: account.teamId },
          before: { uidValidity: before },
          after: { uidValidity },
        });
    });
  }

  async function download(client: ImapFlow, uid: number): Promise<Buffer | undefined> {
    const message = await client.fetchOne(String(uid), { uid: true, source: true }, { uid: true });
    return message ? message.source : undefined;
  }

  async function takeOne(
    client: ImapFlow,
    account: ImapAccount,
    uidValidity: number,
    listed: FetchMessageObject,
  ): Promise<void> {
    const uid = listed.uid;
    let raw: Buffer | undefined;
    let messageId = normaliseMessageId(listed.envelope?.messageId);
    if (messageId === null) {
      raw = await download(client, uid);
      // Expunged since it was listed: nothing to take.
      if (raw === undefined) return recordTaken(account, uidValidity, uid, null);
      messageId = contentMessageId(raw);
    }
    if (!(await knownMessage(account.id, messageId))) {
      raw ??= await download(client, uid);
      if (raw === undefined) return recordTaken(account, uidValidity, uid, null);
      try {
        await take(raw, { accountId: account.id, via: 'imap' });
      } catch (error) {
        throw new TakeFailed(uid, error);
      }
    }
    // A crash between `take` and this line takes the message again after the restart; the ingest
    // stores one message per Message-ID, so the case still shows it once.
    await recordTaken(account, uidValidity, uid, messageId);
    if (account.markSeen) await client.messageFlagsAdd(String(uid), ['\\Seen'], { uid: true });
  }

  async function readMailbox(account: ImapAccount, row: ImapMailboxesTable): Promise<void> {
    const client = await connect(account);
    try {
      const mailbox = await client.mailboxOpen(account.mailbox, { readOnly: !account.markSeen });
      await readNew(client, mailbox, account, row);
      await client.logout();
    } finally {
      client.close();
    }
  }

  async function readNew(
    client: ImapFlow,
    mailbox: MailboxObject,
    account: ImapAccount,
    row: ImapMailboxesTable,
  ): Promise<void> {
    const uidValidity = Number(mailbox.uidValidity);
    let lastUid = Number(row.last_uid);
    const known = row.uid_validity === null ? null : Number(row.uid_validity);
    if (known !== uidValidity) {
      await renumbered(account, known, uidValidity);
      lastUid = 0;
    }
    // UIDNEXT says whether anything arrived without asking for a list.
    if (mailbox.exists === 0 || (mailbox.uidNext && mailbox.uidNext <= lastUid + 1)) return;
    // `n:*` also answers the highest message when none is above n: keep only what is new.
    const listed = (
      await client.fetchAll(`${lastUid + 1}:*`, { uid: true, envelope: true }, { uid: true })
    )
      .filter((m) => m.uid > lastUid)
      .sort((a, b) => a.uid - b.uid);
    for (const message of listed) await takeOne(client, account, uidValidity, message);
  }

  function delayAfter(failures: number): number {
    const ceiling = Math.min(backoff.capMs, backoff.baseMs * 2 ** Math.max(0, failures - 1));
    return Math.round(ceiling * (0.5 + random() / 2));
  }

  /** Records how a read went: the new state, the reason, when the next attempt is due. */
  async function recordOutcome(
    account: ImapAccount,
    failure: { reason: string; answering: boolean } | null,
  ): Promise<number> {
    return writer.run(async (unit: Unit) => {
      const row = await unit.db
        .selectFrom('imap_mailboxes')
        .selectAll()
        .where('account_id', '=', account.id)
        .executeTakeFirstOrThrow();
      const failures = failure ? row.failures + 1 : 0;
      const delay = failure ? delayAfter(failures) : intervalMs;
      const state: MailboxState = failure && !failure.answering ? 'disconnected' : 'connected';
      await unit.db
        .updateTable('imap_mailboxes')
        .set({
          state,
          last_error: failure?.reason ?? null,
          failures,
          next_attempt_at: unit.now + delay,
          updated_at: unit.now,
          ...(failure ? {} : { last_success_at: unit.now }),
          disconnected_since:
            state === 'disconnected' ? (row.disconnected_since ?? unit.now) : null,
        })
        .where('account_id', '=', account.id)
        .execute();
      if ((row.state === 'disconnected') !== (state === 'disconnected'))
        await unit.record({
          type:
            state === 'disconnected'
              ? 'channel-account.mailbox-disconnected'
              : 'channel-account.mailbox-connected',
          actor: actorOf(account),
          entity: { type: 'channel_account', id: account.id },
          scope: { teamId: account.teamId },
          after: { mailbox: account.mailbox, reason: failure?.reason ?? null },
        });
      return delay;
    });
  }

  /** One read of a mailbox, and when the next is due (ms); undefined when another node holds it. */
  async function read(watcher: Watcher): Promise<number | undefined> {
    const { account } = watcher;
    const row = await mailboxRow(account);
    if (!(await claim(account.id))) return undefined;
    try {
      await readMailbox(account, row);
      return await recordOutcome(account, null);
    } catch (error) {
      const answering = error instanceof TakeFailed;
      const reason = answering ? error.message : disconnectionReason(error, account);
      logger.warn({ accountId: account.id, reason }, 'reading the IMAP mailbox failed');
      return recordOutcome(account, { reason, answering });
    }
  }

  function schedule(watcher: Watcher, delay: number): void {
    clearTimeout(watcher.timer);
    if (stopped || watchers.get(watcher.account.id) !== watcher) return;
    watcher.timer = setTimeout(() => void enqueue(watcher), delay);
  }

  function enqueue(watcher: Watcher): Promise<unknown> {
    const next = watcher.chain.then(async () => {
      if (stopped || watchers.get(watcher.account.id) !== watcher) return;
      let delay: number | undefined;
      try {
        delay = await read(watcher);
      } catch (error) {
        // The database failed: the mailbox's state could not even be recorded.
        logger.error({ err: error, accountId: watcher.account.id }, 'IMAP polling failed');
      }
      schedule(watcher, delay ?? intervalMs);
    });
    watcher.chain = next;
    return next;
  }

  function forget(watcher: Watcher): void {
    clearTimeout(watcher.timer);
    watchers.delete(watcher.account.id);
  }

  /** Follows the account list: new accounts start reading, removed ones stop, changed ones reconnect. */
  async function refresh(): Promise<void> {
    const accounts = await options.accounts();
    if (stopped) return;
    const ids = new Set(accounts.map((a) => a.id));
    for (const watcher of watchers.values()) if (!ids.has(watcher.account.id)) forget(watcher);
    for (const account of accounts) {
      const current = watchers.get(account.id);
      if (current && JSON.stringify(current.account) === JSON.stringify(account)) continue;
      if (current) forget(current);
      const watcher: Watcher = {
        account,
        chain: current?.chain ?? Promise.resolve(),
        timer: undefined,
      };
      watchers.set(account.id, watcher);
      void enqueue(watcher);
    }
  }

  function keepRefreshing(): void {
    refreshTimer = setTimeout(() => {
      refresh()
        .catch((error: unknown) => logger.error({ err: error }, 'listing the IMAP accounts failed'))
        .finally(() => {
          if (!stopped) keepRefreshing();
        });
    }, intervalMs);
  }

  const started = refresh().catch((error: unknown) =>
    logger.error({ err: error }, 'listing the IMAP accounts failed'),
  );
  keepRefreshing();

  return {
    async pollNow(accountId) {
      await started;
      // The account may have changed (a new password, another host) since the last listing.
      await refresh();
      const watcher = watchers.get(accountId);
      if (!watcher) throw new NotFound('IMAP mailbox of this account');
      await enqueue(watcher);
      return mailboxStatus(db, accountId);
    },
    async stop() {
      stopped = true;
      clearTimeout(refreshTimer);
      await started;
      const all = [...watchers.values()];
      for (const watcher of all) clearTimeout(watcher.timer);
      await Promise.all(all.map((w) => w.chain));
      for (const watcher of all) forget(watcher);
      await writer.run((unit) =>
        unit.db
          .updateTable('imap_mailboxes')
          .set({ lease_owner: null, lease_until: null })
          .where('lease_owner', '=', node)
          .execute(),
      );
    },
  };
}
