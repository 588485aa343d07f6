import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { sql, type Kysely } from 'kysely';
import { json, startHarness, type Harness } from './harness.ts';
import { testDatabases } from './databases.ts';
import type { Database } from '../src/platform/db/schema.ts';
import { startJobWorkers, type JobWorkers } from '../src/platform/jobs/workers.ts';
import { startWebhookFanOut, webhookJobs } from '../src/integrations/delivery.ts';
import { createChannelAccount } from '../src/channels/channel-accounts.ts';
import { createSecretBox } from '../src/platform/secrets.ts';
import { systemActor } from '../src/platform/events/event.ts';

// Values no other row of the fixture holds: any cell that still contains one after the erasure
// is personal data that survived it.
const name = 'Zéphyrine Quokkabottom';
const email = 'zephyrine.quokka@erase.example';
const colleague = 'quokka.colleague@erase.example';
const phone = '06 71 23 45 89';
const subject = 'Marmaladequince invoice';
const words = ['Quokkabottom', 'Zéphyrine', 'zephyrine', 'Marmaladequince', 'Thistlewhump'];
const erased = [...words, email, colleague, 'quokka', '671234589', '71 23 45 89'];

/** Every table and column of the database, on either dialect, with the shadow tables of FTS5. */
async function tablesAndColumns(
  db: Kysely<Database>,
  dialect: 'sqlite' | 'postgres',
): Promise<Array<{ table: string; columns: string[] }>> {
  if (dialect === 'sqlite') {
    const tables = await sql<{
      name: string;
    }>`select name from sqlite_master where type = 'table' order by name`.execute(db);
    const out = [];
    for (const { name: table } of tables.rows) {
      const columns = await sql<{
        name: string;
      }>`select name from pragma_table_info(${table})`.execute(db);
      out.push({ table, columns: columns.rows.map((c) => c.name) });
    }
    return out;
  }
  const columns = await sql<{ table_name: string; column_name: string }>`
    select c.table_name, c.column_name from information_schema.columns c
    join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name
    where c.table_schema = current_schema() and t.table_type = 'BASE TABLE'
    order by c.table_name, c.ordinal_position`.execute(db);
  const byTable = new Map<string, string[]>();
  for (const row of columns.rows)
    byTable.set(row.table_name, [...(byTable.get(row.table_name) ?? []), row.column_name]);
  return [...byTable].map(([table, cols]) => ({ table, columns: cols }));
}

/** Each `table.column` where one of the values survives, with the value. */
async function survivors(
  db: Kysely<Database>,
  dialect: 'sqlite' | 'postgres',
  values: readonly string[],
): Promise<string[]> {
  const found = new Set<string>();
  const needles = values.map((v) => v.toLowerCase());
  for (const { table, columns } of await tablesAndColumns(db, dialect)) {
    const rows = await sql<Record<string, unknown>>`select * from ${sql.id(table)}`.execute(db);
    for (const row of rows.rows)
      for (const column of columns) {
        const cell = row[column];
        if (cell === null || cell === undefined) continue;
        // FTS5 shadow tables hold blobs: their bytes are read as text, where terms stand in clear.
        const text = (
          Buffer.isBuffer(cell)
            ? cell.toString('latin1') + cell.toString('utf8')
            : typeof cell === 'object'
              ? JSON.stringify(cell)
              : String(cell)
        ).toLowerCase();
        for (const needle of needles)
          if (text.includes(needle)) found.add(`${table}.${column} holds "${needle}"`);
      }
  }
  if (dialect === 'sqlite')
    for (const index of ['interactions_fts', 'customers_fts'])
      for (const word of words) {
        const hits = await sql<{
          rowid: number;
        }>`select rowid from ${sql.id(index)} where ${sql.id(index)} match ${`"${word}"`}`.execute(
          db,
        );
        if (hits.rows.length > 0) found.add(`${index} matches "${word}"`);
      }
  return [...found].sort();
}

for (const database of await testDatabases()) {
  describe(`erasing a customer on ${database.name}`, { skip: database.skip }, () => {
    let h: Harness;
    let admin: string;
    let advisor: string;
    let workers: JobWorkers;
    let stopFanOut: () => void;
    // The company's CRM: it acknowledges each event naming the contact it synced, as CRMs do.
    const crm = http.createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (c: Buffer) => chunks.push(c));
      request.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        response.writeHead(200, { 'content-type': 'text/plain' });
        response.end(body.includes(email) ? `synced contact ${name} <${email}>` : 'ok');
      });
    });
    const gateway = () => ({ authorization: `Bearer ${h.fixture.gatewayToken}` });

    before(async () => {
      h = await startHarness(await database.open(), { gateway: true });
      admin = await h.signIn(h.fixture.people.admin.email);
      advisor = await h.signIn(h.fixture.people.advisor.email);
      crm.listen(0, '127.0.0.1');
      await once(crm, 'listening');
      const jobs = webhookJobs(h.ctx, { timeoutMs: 2_000 });
      workers = startJobWorkers({
        dialect: h.ctx.store.dialect,
        writer: h.ctx.writer,
        logger: h.ctx.logger,
        handlers: jobs.handlers,
        onDead: jobs.onDead,
        pollMs: 10,
      });
      stopFanOut = startWebhookFanOut(h.ctx);
    });
    after(async () => {
      stopFanOut();
      await workers.stop();
      await new Promise<void>((resolve) => crm.close(() => resolve()));
      await h.close();
    });

    async function webhooksDone(): Promise<void> {
      for (let i = 0; i < 500; i++) {
        const pending = await h.ctx.store.db
          .selectFrom('jobs')
          .select('id')
          .where('type', '=', 'webhook.deliver')
          .where('state', 'in', ['queued', 'running'])
          .execute();
        if (pending.length === 0) return;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      assert.fail('webhook deliveries never finished');
    }

    async function settled(interactionId: number): Promise<void> {
      for (let i = 0; i < 400; i++) {
        const row = await h.ctx.store.db
          .selectFrom('interactions')
          .select('delivery_state')
          .where('id', '=', interactionId)
          .executeTakeFirstOrThrow();
        if (row.delivery_state === 'sent' || row.delivery_state === 'failed') return;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      assert.fail(`interaction ${interactionId} was never sent nor failed`);
    }

    test('after the erasure no name, address, number or message text of the customer remains in any table', async () => {
      // Every event about customers and messages goes to the CRM.
      const { port } = crm.address() as AddressInfo;
      const allowed = await h.app.inject({
        method: 'PUT',
        url: '/api/admin/webhook-allow-list',
        headers: { cookie: admin },
        payload: { entries: ['127.0.0.1'] },
      });
      assert.ok(allowed.statusCode < 300, allowed.body);
      const subscribed = await h.app.inject({
        method: 'POST',
        url: '/api/admin/webhooks',
        headers: { cookie: admin },
        payload: {
          name: 'CRM',
          url: `http://127.0.0.1:${port}/hooks`,
          eventTypes: ['customer.*', 'interaction.*'],
        },
      });
      assert.equal(subscribed.statusCode, 201, subscribed.body);

      // The customer, made by an advisor with an Idempotency-Key (its answer is remembered).
      const created = await h.app.inject({
        method: 'POST',
        url: '/api/customers',
        headers: { cookie: advisor, 'idempotency-key': 'erase-create' },
        payload: { displayName: name, contact: { email, phone } },
      });
      assert.equal(created.statusCode, 201, created.body);
      const customerId = json<{ id: number }>(created).id;

      // They write in by email, copying a colleague, with an attachment.
      const inbound = await h.app.inject({
        method: 'POST',
        url: '/api/interactions/inbound',
        headers: { ...gateway(), 'idempotency-key': 'erase-inbound' },
        payload: {
          kind: 'email',
          from: { email, name },
          to: 'gateway@rapport.test',
          cc: [colleague],
          subject,
          text: `Hello, this is ${name}: my Thistlewhump order, call me on ${phone}`,
          html: `<p>Hello, this is <b>${name}</b>: my Thistlewhump order</p>`,
          attachments: [
            {
              name: 'Quokkabottom-receipt.pdf',
              contentType: 'application/pdf',
              size: 100,
              url: 'https://files.example/Quokkabottom-receipt.pdf',
            },
          ],
          threadId: '<quokka-thread@erase.example>',
        },
      });
      assert.equal(inbound.statusCode, 201, inbound.body);
      const { conversationId } = json<{ conversationId: number; customerId: number }>(inbound);
      assert.equal(json<{ customerId: number }>(inbound).customerId, customerId);

      // An advisor answers twice: the provider refuses the first, naming the address, then takes one.
      h.gateway!.provider.answers = [
        { status: 400, body: `mailbox ${email} refused for Zéphyrine Quokkabottom` },
      ];
      for (const [i, text] of [`Dear ${name}, about Thistlewhump`, `Again, ${name}`].entries()) {
        const reply = await h.app.inject({
          method: 'POST',
          url: `/api/conversations/${conversationId}/interactions`,
          headers: { cookie: advisor, 'idempotency-key': `erase-reply-${i}` },
          payload: { kind: 'email', text },
        });
        assert.equal(reply.statusCode, 201, reply.body);
        await settled(json<{ id: number }>(reply).id);
      }

      // They ask, on a chat, to be called back on their number.
      const chat = await h.app.inject({
        method: 'POST',
        url: '/api/interactions/inbound',
        headers: gateway(),
        payload: {
          kind: 'chat_message',
          from: { email, name },
          text: 'Quokkabottom here, call me back',
        },
      });
      assert.equal(chat.statusCode, 201, chat.body);
      const chatCase = json<{ conversationId: number }>(chat).conversationId;
      const item = await h.ctx.store.db
        .selectFrom('work_items')
        .select('id')
        .where('conversation_id', '=', chatCase)
        .where('status', '=', 'waiting')
        .executeTakeFirstOrThrow();
      const callback = await h.app.inject({
        method: 'POST',
        url: `/api/routing/work-items/${item.id}/callback`,
        headers: gateway(),
        payload: { phone },
      });
      assert.equal(callback.statusCode, 200, callback.body);

      // A website chat visit and a phone call of theirs, as the widget and Twilio record them.
      await h.ctx.writer.run(async (unit) => {
        const account = await createChannelAccount(
          unit,
          createSecretBox(undefined),
          {
            channel: 'chat',
            provider: 'widget',
            displayName: 'Erasure site',
            address: 'erasure-site',
          },
          systemActor,
        );
        const visitor = await unit.db
          .insertInto('chat_visitors')
          .values({
            account_id: account.id,
            customer_id: customerId,
            user_id: 'zephyrine-quokka-42',
            conversation_id: null,
            created_at: unit.now,
            last_seen_at: unit.now,
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        await unit.db
          .insertInto('chat_pages')
          .values({
            visitor_id: visitor.id,
            url: 'https://shop.example/account/quokka',
            title: 'Zéphyrine’s orders',
            referrer: null,
            at: unit.now,
          })
          .execute();
        await unit.db
          .insertInto('calls')
          .values({
            provider: 'twilio',
            provider_call_id: 'CA-erasure-1',
            account_id: null,
            direction: 'inbound',
            from_number: '+33671234589',
            to_number: '+14155550100',
            customer_id: customerId,
            conversation_id: conversationId,
            interaction_id: null,
            work_item_id: null,
            advisor_id: null,
            state: 'completed',
            ended_by: null,
            outcome: null,
            started_at: unit.now,
            answered_at: null,
            ended_at: unit.now,
            duration_seconds: 30,
            recording_url: 'https://api.twilio.com/recordings/quokka',
            updated_at: unit.now,
          })
          .execute();
      });

      // Before: the scan sees them (it can fail).
      await webhooksDone();
      const seen = await survivors(h.ctx.store.db, database.name, erased);
      for (const where of [
        'customers.display_name',
        'interactions.text',
        'work_items.callback_number',
        'webhook_deliveries.response_excerpt',
        'chat_visitors.user_id',
        'chat_pages.url',
        'calls.from_number',
        'calls.recording_url',
      ])
        assert.ok(
          seen.some((s) => s.startsWith(where)),
          `the scan should see ${where}: ${seen.join('\n')}`,
        );

      const erase = await h.app.inject({
        method: 'POST',
        url: `/api/customers/${customerId}/erase`,
        headers: { cookie: admin },
      });
      assert.ok(erase.statusCode < 300, erase.body);

      assert.deepEqual(await survivors(h.ctx.store.db, database.name, erased), []);

      // The audit keeps that things happened: the event rows stay.
      const events = await h.ctx.store.db
        .selectFrom('events')
        .select('type')
        .where('customer_id', '=', customerId)
        .execute();
      assert.ok(events.some((e) => e.type === 'customer.erased'));
      assert.ok(events.length > 3, 'the customer’s events are kept, emptied of personal data');
    });
  });
}
