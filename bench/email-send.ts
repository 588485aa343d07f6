/**
 * Outbound email: replies sent per second through the email adapter to a local SMTP sink on
 * loopback, one SMTP connection per message (the adapter does not pool), with 1 and 8 sends at once,
 * on SQLite. Each send reads its reply and the email it answers, builds the MIME message, sends it,
 * and stores its raw source and its email row.
 * Run: npx tsx bench/email-send.ts
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { SMTPServer } from 'smtp-server';
import { migrate, openStore } from '../src/platform/db/connect.ts';
import { createWriter } from '../src/platform/db/writer.ts';
import { inProcessBus } from '../src/platform/events/bus.ts';
import { systemClock } from '../src/platform/clock.ts';
import { systemActor } from '../src/platform/events/event.ts';
import { createSecretBox } from '../src/platform/secrets.ts';
import { createChannelAccount } from '../src/channels/channel-accounts.ts';
import { putBlob } from '../src/channels/blobs.ts';
import { createEmailAdapter } from '../src/channels/email/email-adapter.ts';
import type { AdapterAccount, OutboundMessage } from '../src/channels/adapter.ts';

const SENDS = 1_000;
const logger = pino({ level: 'warn' });

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

let taken = 0;
const sink = new SMTPServer({
  authOptional: true,
  disabledCommands: ['AUTH', 'STARTTLS'],
  // A real sink's reverse lookup of 127.0.0.1 would be most of what is measured.
  disableReverseLookup: true,
  logger: false,
  onData(stream, _session, callback) {
    stream.resume();
    stream.on('end', () => {
      taken++;
      callback();
    });
  },
});
await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', () => resolve()));
const port = (sink.server.address() as AddressInfo).port;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rapport-bench-email-'));
const store = openStore({ file: path.join(dir, 'rapport.sqlite') });
await migrate(store);
const writer = createWriter(store.db, inProcessBus(logger), systemClock, { logger });
const db = store.db;
const now = Date.now();

const accountId = await writer.run(
  async (unit) =>
    (
      await createChannelAccount(
        unit,
        createSecretBox(undefined),
        {
          channel: 'email',
          provider: 'smtp',
          displayName: 'Acme',
          address: 'care@acme.test',
          settings: { smtpHost: '127.0.0.1', smtpPort: port },
        },
        systemActor,
      )
    ).id,
);
const account: AdapterAccount = {
  id: accountId,
  channel: 'email',
  provider: 'smtp',
  address: 'care@acme.test',
  settings: { smtpHost: '127.0.0.1', smtpPort: port },
  secrets: {},
};
const advisorId = (
  await db
    .insertInto('advisors')
    .values({
      name: 'Ana Lopez',
      email: 'ana@acme.test',
      role: 'advisor',
      team_id: null,
      shop_id: null,
      password_hash: null,
      languages: '[]',
      skills: '[]',
      active: 1,
      created_at: now,
      updated_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow()
).id;

/** A customer's email on a case of its own and the advisor's reply to it, ready to send. */
async function caseWithReply(i: number): Promise<OutboundMessage> {
  const customerId = (
    await db
      .insertInto('customers')
      .values({
        display_name: `Customer ${i}`,
        language: null,
        consent: '{}',
        owner_id: null,
        last_advisor_id: null,
        merged_into_id: null,
        erased_at: null,
        search_text: '',
        created_at: now,
        updated_at: now,
      })
      .returning('id')
      .executeTakeFirstOrThrow()
  ).id;
  const conversationId = (
    await db
      .insertInto('conversations')
      .values({
        customer_id: customerId,
        subject: `Order ${i}`,
        status: 'pending_us',
        owner_id: null,
        team_id: null,
        shop_id: null,
        priority: 'normal',
        origin_channel: 'email',
        created_at: now,
        updated_at: now,
        last_interaction_at: now,
        resolved_at: null,
        snoozed_until: null,
        snoozed_at: null,
      })
      .returning('id')
      .executeTakeFirstOrThrow()
  ).id;
  const interaction = async (values: {
    direction: string;
    author: 'customer' | 'advisor';
    text: string;
    providerId: string | null;
    from: string;
    to: string;
  }) =>
    (
      await db
        .insertInto('interactions')
        .values({
          conversation_id: conversationId,
          customer_id: customerId,
          channel: 'email',
          kind: 'email',
          direction: values.direction,
          author_type: values.author,
          author_id: values.author === 'advisor' ? advisorId : customerId,
          text: values.text,
          html: null,
          attachments: '[]',
          provider: values.providerId ? 'smtp' : null,
          provider_id: values.providerId,
          is_private: 0,
          delivery_state: values.direction === 'inbound' ? 'received' : 'sending',
          created_at: now,
          account_id: accountId,
          from_address: values.from,
          to_address: values.to,
          cc: JSON.stringify([`copy${i}@example.com`]),
          thread_id: null,
          subject: null,
        })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id;
  const customer = `customer${i}@example.com`;
  const parentId = `parent-${i}@mail.example.com`;
  const inbound = await interaction({
    direction: 'inbound',
    author: 'customer',
    text: 'Where is my order?',
    providerId: parentId,
    from: customer,
    to: 'care@acme.test',
  });
  const raw = await putBlob(
    db,
    Buffer.from(`Message-ID: <${parentId}>\r\n\r\nhi\r\n`),
    'message/rfc822',
    now,
  );
  await db
    .insertInto('email_messages')
    .values({
      account_id: accountId,
      message_id: parentId,
      raw_sha256: raw,
      via: 'smtp',
      envelope_from: customer,
      envelope_to: '["care@acme.test"]',
      interaction_id: inbound,
      in_reply_to: null,
      references: '["root@mail.example.com"]',
      reply_to: null,
      authentication: 'pass',
      problems: '{}',
      remote_images: 0,
      automated_reason: null,
      created_at: now,
    })
    .execute();
  const text = `Your order ${i} leaves today.\n\n${'We are sorry for the wait. '.repeat(40)}\n\n— Ana Lopez`;
  const reply = await interaction({
    direction: 'outbound',
    author: 'advisor',
    text,
    providerId: null,
    from: 'care@acme.test',
    to: customer,
  });
  return {
    interactionId: reply,
    conversationId,
    channel: 'email',
    kind: 'email',
    to: customer,
    subject: `Order ${i}`,
    text,
    html: null,
    attachments: [],
    threadId: null,
    idempotencyKey: `send:${reply}`,
  };
}

const adapter = createEmailAdapter({ db, now: () => Date.now() });

async function run(concurrency: number): Promise<void> {
  const messages: OutboundMessage[] = [];
  for (let i = 0; i < SENDS; i++) messages.push(await caseWithReply(concurrency * SENDS + i));
  const latencies: number[] = [];
  const before = taken;
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < messages.length) {
        const message = messages[next++]!;
        const at = performance.now();
        await adapter.send(message, account);
        latencies.push(performance.now() - at);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  if (taken - before !== SENDS) throw new Error(`the sink took ${taken - before} of ${SENDS}`);
  console.log(
    `${SENDS} replies, ${concurrency} at once: ${(SENDS / seconds).toFixed(0)} sends/s, ` +
      `p50 ${percentile(latencies, 50).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms`,
  );
}

await run(1);
await run(8);
await new Promise<void>((resolve) => sink.close(() => resolve()));
await writer.drain();
await store.close();
fs.rmSync(dir, { recursive: true, force: true });
