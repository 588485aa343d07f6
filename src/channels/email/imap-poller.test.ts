import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { json, startHarness, type Harness } from '../../../test/harness.ts';
import { testDatabases } from '../../../test/databases.ts';
import { dovecotMissing, startDovecot, type TestDovecot } from '../../../test/dovecot.ts';
import { createSecretBox } from '../../platform/secrets.ts';
import { systemActor } from '../../platform/events/event.ts';
import { createChannelAccount, updateChannelAccount } from '../channel-accounts.ts';
import {
  imapAccounts,
  mailboxStatus,
  startImapPolling,
  type ImapPolling,
  type MailboxStatus,
} from './imap-poller.ts';
import type { Wall } from '../../api-types/insights.ts';

const secretKey = 'a test key that is long enough to derive from';
const box = createSecretBox(secretKey);

if (process.env.CI && dovecotMissing())
  throw new Error(`${String(dovecotMissing())}: CI must run the IMAP tests`);

/** A message as a mail system delivers it, with its own Message-ID. */
function message(id: string, subject = `About ${id}`): string {
  return [
    `Message-ID: <${id}@customer.example>`,
    'From: Lena <lena@customer.example>',
    'To: care@test.rapport',
    `Subject: ${subject}`,
    'Date: Tue, 24 Nov 2026 09:00:00 +0000',
    '',
    `Hello, this is ${id}.`,
    '',
  ].join('\r\n');
}

/** What the test's `take` received, per account: the Message-ID of each raw message, in order. */
type Taken = Map<number, string[]>;

function messageIdOf(raw: Buffer): string {
  return /^Message-ID:\s*<([^>@]+)@/im.exec(raw.toString('latin1'))?.[1] ?? '(none)';
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  for (let attempt = 0; attempt < 400; attempt++) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`gave up waiting for ${what}`);
}

for (const database of await testDatabases()) {
  describe(`IMAP polling on ${database.name}`, { skip: database.skip || dovecotMissing() }, () => {
    let h: Harness;
    let dovecot: TestDovecot;
    let poller: ImapPolling;
    let care: number;
    let admin: string;
    const taken: Taken = new Map();
    const takenBy = (accountId: number) => taken.get(accountId) ?? [];

    const addMailbox = (displayName: string, address: string, password: string, extra = {}) =>
      h.ctx.writer.run(
        async (unit) =>
          (
            await createChannelAccount(
              unit,
              box,
              {
                channel: 'email',
                provider: 'smtp',
                displayName,
                address,
                teamId: h.fixture.teams.care,
                settings: {
                  imapHost: dovecot.host,
                  imapPort: dovecot.port,
                  imapSecure: false,
                  imapUser: dovecot.user,
                  ...extra,
                },
                secrets: { imapPassword: password },
              },
              systemActor,
            )
          ).id,
      );

    const startPoller = (node?: string) =>
      startImapPolling({
        writer: h.ctx.writer,
        db: h.ctx.store.db,
        accounts: () => imapAccounts(h.ctx.store.db, box),
        async take(raw, meta) {
          assert.equal(meta.via, 'imap');
          taken.set(meta.accountId, [...takenBy(meta.accountId), messageIdOf(raw)]);
        },
        // The tests read on demand (pollNow); retries after a failure come quickly by themselves.
        intervalMs: 60_000,
        backoff: { baseMs: 20, capMs: 200 },
        timeoutMs: 5_000,
        logger: h.ctx.logger,
        ...(node ? { node } : {}),
      });

    before(async () => {
      dovecot = await startDovecot();
      h = await startHarness(await database.open(), { config: { secretKey } });
      admin = await h.signIn(h.fixture.people.admin.email);
      care = await addMailbox('Care inbox', 'care@imap.test', dovecot.password);
      poller = startPoller('node-a');
    });
    after(async () => {
      await poller?.stop();
      await h?.close();
      await dovecot?.stop();
    });

    test('a mail someone else already read is taken in, once, and its flags are left alone', async () => {
      await dovecot.append(message('read-by-someone'), { seen: true });
      const unread = await dovecot.append(message('still-unread'));
      const status = await poller.pollNow(care);
      assert.deepEqual(takenBy(care), ['read-by-someone', 'still-unread']);
      assert.equal(status.state, 'connected');
      assert.equal(status.lastError, null);
      assert.equal(status.lastUid, unread);
      assert.equal(status.uidValidity, await dovecot.uidValidity());
      assert.ok(!(await dovecot.seenUids()).includes(unread), 'reading it marked it seen');
    });

    test('reading the mailbox again takes nothing twice; only new mail comes in', async () => {
      await poller.pollNow(care);
      await poller.pollNow(care);
      assert.deepEqual(takenBy(care), ['read-by-someone', 'still-unread']);
      await dovecot.append(message('third'));
      await poller.pollNow(care);
      assert.deepEqual(takenBy(care), ['read-by-someone', 'still-unread', 'third']);
    });

    test('a stopped server shows the mailbox disconnected with the reason, to the admin and on the wall', async () => {
      await dovecot.halt();
      const status = await poller.pollNow(care);
      assert.equal(status.state, 'disconnected');
      assert.match(status.lastError ?? '', /connection refused by 127\.0\.0\.1:\d+/);
      assert.ok(status.disconnectedSince, 'since when is shown');
      assert.ok(status.nextAttemptAt, 'the next attempt is scheduled');

      const answer = await h.app.inject({
        method: 'GET',
        url: `/api/channel-accounts/${care}/mailbox`,
        headers: { cookie: admin },
      });
      assert.equal(answer.statusCode, 200, answer.body);
      const shown = json<MailboxStatus>(answer);
      assert.equal(shown.state, 'disconnected');
      assert.equal(shown.lastError, status.lastError);
      assert.equal(shown.lastUid, 3);

      const supervisor = await h.signIn(h.fixture.people.supervisor.email);
      const wall = json<Wall>(
        await h.app.inject({
          method: 'GET',
          url: '/api/insights/wall',
          headers: { cookie: supervisor },
        }),
      );
      assert.deepEqual(
        wall.disconnectedMailboxes.map((m) => [m.accountId, m.address, m.reason]),
        [[care, 'care@imap.test', status.lastError]],
      );
    });

    test('mail that arrived while the server was down is taken once it is back, without being asked', async () => {
      dovecot.deliver(message('while-down-1'));
      dovecot.deliver(message('while-down-2'), { seen: true });
      await dovecot.start();
      const status = await waitFor('the mailbox to reconnect by itself', async () => {
        const now = await mailboxStatus(h.ctx.store.db, care);
        return now.state === 'connected' ? now : undefined;
      });
      assert.equal(status.lastError, null);
      assert.equal(status.disconnectedSince, null);
      assert.deepEqual(takenBy(care).slice(3).sort(), ['while-down-1', 'while-down-2']);
      assert.equal(takenBy(care).length, 5);
    });

    test('a wrong password shows "login refused"; the corrected password reads the mailbox', async () => {
      const sales = await addMailbox('Sales inbox', 'sales@imap.test', 'not the password');
      const refused = await poller.pollNow(sales);
      assert.equal(refused.state, 'disconnected');
      assert.match(refused.lastError ?? '', /^login refused: /);
      assert.deepEqual(takenBy(sales), []);

      await h.ctx.writer.run((unit) =>
        updateChannelAccount(
          unit,
          box,
          sales,
          { secrets: { imapPassword: dovecot.password } },
          systemActor,
        ),
      );
      const fixed = await poller.pollNow(sales);
      assert.equal(fixed.state, 'connected');
      assert.equal(takenBy(sales).length, 5, 'another account reads the same mailbox anew');
    });

    test('a renumbered mailbox (new UIDVALIDITY) is read again without taking anything twice', async () => {
      const before = await dovecot.uidValidity();
      await dovecot.renumberInbox();
      assert.notEqual(await dovecot.uidValidity(), before);
      const status = await poller.pollNow(care);
      assert.equal(status.state, 'connected');
      assert.equal(status.uidValidity, await dovecot.uidValidity());
      assert.equal(takenBy(care).length, 5);
      await dovecot.append(message('after-renumbering'));
      await poller.pollNow(care);
      assert.deepEqual(takenBy(care).slice(5), ['after-renumbering']);

      const renumbered = await h.ctx.store.db
        .selectFrom('events')
        .select(['before', 'after'])
        .where('type', '=', 'channel-account.mailbox-renumbered')
        .where('entity_id', '=', care)
        .execute();
      assert.equal(renumbered.length, 1, 'the renumbering is in the audit trail');
    });

    test('with imapMarkSeen on, what is taken is flagged seen on the server', async () => {
      await poller.stop();
      const marking = await addMailbox('Marking inbox', 'marking@imap.test', dovecot.password, {
        imapMarkSeen: true,
      });
      poller = startPoller('node-a');
      const fresh = await dovecot.append(message('to-be-marked'));
      await poller.pollNow(marking);
      assert.ok((await dovecot.seenUids()).includes(fresh));
      assert.ok(takenBy(marking).includes('to-be-marked'));
    });

    test('two nodes reading one mailbox at once take each message once', async () => {
      const other = startPoller('node-b');
      try {
        await dovecot.append(message('raced'));
        await Promise.all([poller.pollNow(care), other.pollNow(care)]);
        assert.equal(takenBy(care).filter((id) => id === 'raced').length, 1);
      } finally {
        await other.stop();
      }
    });

    test('the mailbox route answers administrators only, and 404 for an account reading no mailbox', async () => {
      const advisor = await h.signIn(h.fixture.people.advisor.email);
      const refused = await h.app.inject({
        method: 'GET',
        url: `/api/channel-accounts/${care}/mailbox`,
        headers: { cookie: advisor },
      });
      assert.equal(refused.statusCode, 403);
      const none = await h.app.inject({
        method: 'GET',
        url: `/api/channel-accounts/${h.fixture.accounts.email}/mailbox`,
        headers: { cookie: admin },
      });
      assert.equal(none.statusCode, 404, none.body);
    });
  });
}
